import { describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../../src/main/options.ts';
import { DEFAULTS } from '../../src/shared/options.ts';

const SCRIPT = 'https://shop.example/static/reco.js';

describe('resolveOptions', () => {
  it('merges the documented defaults and finds the worker and model next to the script', () => {
    const o = resolveOptions(undefined, SCRIPT);
    expect(o).toMatchObject({ ...DEFAULTS, grids: [] });
    expect(o.workerUrl).toBe('https://shop.example/static/reco.worker.js');
    expect(o.modelUrl).toBe('https://shop.example/static/models/default/model.json');
  });

  it('keeps the default for an option passed as undefined', () => {
    expect(resolveOptions({ consent: undefined, holdout: undefined }, SCRIPT)).toMatchObject({ consent: 'granted', holdout: 0 });
  });

  it("resolves the shop's relative URLs against the page (as fetch() does), absolute ones as given; its own files next to the script", () => {
    // The script from a CDN, the page on the shop's origin.
    vi.stubGlobal('document', { baseURI: 'https://shop.example/catalog/list.html' });
    try {
      const cdn = 'https://cdn.example/npm/reco-sdk/dist/reco.js';
      let o = resolveOptions({ modelUrl: '/models/x/model.json', workerUrl: 'https://cdn.example/w.js' }, cdn);
      expect(o.modelUrl).toBe('https://shop.example/models/x/model.json');
      expect(o.workerUrl).toBe('https://cdn.example/w.js');
      o = resolveOptions({ modelUrl: 'models/x/model.json', workerUrl: 'reco/reco.worker.js' }, cdn);
      expect(o.modelUrl).toBe('https://shop.example/catalog/models/x/model.json');
      expect(o.workerUrl).toBe('https://shop.example/catalog/reco/reco.worker.js');
      o = resolveOptions({}, cdn);
      expect(o.modelUrl).toBe('https://cdn.example/npm/reco-sdk/dist/models/default/model.json');
      expect(o.workerUrl).toBe('https://cdn.example/npm/reco-sdk/dist/reco.worker.js');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("takes the script tag's data-consent as the consent when init() gives none, and names it when it is neither value", () => {
    expect(resolveOptions(undefined, SCRIPT, undefined, 'denied').consent).toBe('denied');
    expect(resolveOptions({ holdout: 0.1 }, SCRIPT, undefined, 'denied').consent).toBe('denied');
    // The shopper accepted since the page was served: init()'s consent wins.
    expect(resolveOptions({ consent: 'granted' }, SCRIPT, undefined, 'denied').consent).toBe('granted');
    expect(resolveOptions({}, SCRIPT, undefined, 'granted').consent).toBe('granted');
    expect(() => resolveOptions({}, SCRIPT, undefined, 'no')).toThrow(
      `Reco.init: the script tag's data-consent expected "granted" or "denied", got "no"`,
    );
  });

  it('names the option and what was expected', () => {
    expect(() => resolveOptions({ holdout: 2 }, SCRIPT)).toThrow(/option "holdout" expected a number from 0 to 1, got 2/);
    expect(() => resolveOptions({ backends: ['metal'] }, SCRIPT)).toThrow(/option "backends" expected/);
    expect(() => resolveOptions({ consent: 'yes' }, SCRIPT)).toThrow(/option "consent" expected/);
    expect(() => resolveOptions({ dataLayer: 'both' }, SCRIPT)).toThrow(
      /option "dataLayer" expected true, false, "read" or "write", got "both"/,
    );
    expect(() => resolveOptions({ dataLayerName: 'shop-layer' }, SCRIPT)).toThrow(
      /option "dataLayerName" expected the name of the page's data layer \(a JavaScript identifier, as in Tag Manager's snippet\), got "shop-layer"/,
    );
    expect(() => resolveOptions({ modelURL: 'x' }, SCRIPT)).toThrow(/unknown option "modelURL"/);
    // A URL that does not parse is named here, not later as an engine failure without the option's name.
    for (const k of ['modelUrl', 'workerUrl', 'catalogUrl'])
      expect(() => resolveOptions({ [k]: 'http://[bad' }, SCRIPT)).toThrow(`option "${k}" expected a URL, got "http://[bad"`);
    expect(() => resolveOptions('fast', SCRIPT)).toThrow(TypeError);
  });

  it('wants whole numbers where counts are meant, a non-blank database name, and shows NaN as NaN', () => {
    expect(() => resolveOptions({ maxEvents: 10.5 }, SCRIPT)).toThrow(
      'Reco.init: option "maxEvents" expected a whole number from 10 to 1000000, got 10.5',
    );
    expect(() => resolveOptions({ historyLength: 2.5 }, SCRIPT)).toThrow(
      'option "historyLength" expected a whole number from 1 to 300, got 2.5',
    );
    expect(() => resolveOptions({ trainAfterEvents: 0.5 }, SCRIPT)).toThrow(/option "trainAfterEvents" expected a whole number/);
    expect(() => resolveOptions({ dbName: ' ' }, SCRIPT)).toThrow('option "dbName" expected a non-blank string, got " "');
    expect(() => resolveOptions({ holdout: NaN }, SCRIPT)).toThrow('option "holdout" expected a number from 0 to 1, got NaN');
    expect(() => resolveOptions({ antiFlickerMs: Infinity }, SCRIPT)).toThrow(
      'option "antiFlickerMs" expected a number from 0 to 10000, got Infinity',
    );
    expect(resolveOptions({ maxEvents: 10, historyLength: 50, maxAgeDays: 0.5 + 1 }, SCRIPT)).toMatchObject({
      maxEvents: 10,
      historyLength: 50,
    });
  });
});

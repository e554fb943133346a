// @vitest-environment node
/**
 * reco-sdk/angular where Angular renders the app's pages on a server (Angular SSR): no document, no window. The list
 * is rendered in the order given (render effects do not run there), and the server keeps running.
 */
import '@angular/compiler'; // the component below is compiled at run time (JIT)
import { expect, it } from 'vitest';
import { Component, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication, provideClientHydration } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import { ranked } from '../src/angular.ts';

it("Angular's server render of a list ordered by ranked(): the order given", async () => {
  expect(typeof document).toBe('undefined');
  class ServerList {
    readonly ordered = ranked(['p2', 'p1', 'p3']);
  }
  Component({
    selector: 'server-list',
    template: `<ul>@for (p of ordered(); track p) {<li>{{ p }}</li>}</ul>`,
  })(ServerList);
  const html = await renderApplication(
    (context) =>
      bootstrapApplication(
        ServerList,
        { providers: [provideZonelessChangeDetection(), provideServerRendering(), provideClientHydration()] },
        context,
      ),
    { document: '<html><body><server-list></server-list></body></html>', url: '/products' },
  );
  expect(html.replace(/<!--[^>]*-->/g, '')).toMatch(/<ul[^>]*><li>p2<\/li><li>p1<\/li><li>p3<\/li><\/ul>/);
});

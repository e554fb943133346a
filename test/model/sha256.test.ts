import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { sha256, sha256Hex } from '../../src/model/sha256.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

describe('sha256 (the fallback for insecure contexts)', () => {
  // FIPS 180-4 examples (NIST CSRC "Examples with intermediate values", SHA-256).
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
  ])('the NIST vector %j', (msg, digest) => {
    expect(hex(sha256(text(msg)))).toBe(digest);
  });

  it('one million "a" (NIST long message)', () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('equals node:crypto at every padding edge and on a model-sized buffer', () => {
    for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 983_424]) {
      const data = randomBytes(n);
      expect(hex(sha256(data)), `${n} bytes`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('sha256Hex uses it when crypto.subtle is missing (plain HTTP), with the same digest', async () => {
    const data = randomBytes(4096);
    const expected = createHash('sha256').update(data).digest('hex');
    const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    expect(await sha256Hex(copy)).toBe(expected);
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) });
    try {
      expect(globalThis.crypto.subtle).toBeUndefined();
      expect(await sha256Hex(copy)).toBe(expected);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

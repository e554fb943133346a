import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { download, STALL_TIMEOUT_MS } from '../../src/model/download.ts';

/** A response whose body the test feeds chunk by chunk. */
function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    response: new Response(body, { status: 200 }),
    push: (n: number) => controller.enqueue(new Uint8Array(n).fill(7)),
    end: () => controller.close(),
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('download', () => {
  it(`a request that gets no answer for ${STALL_TIMEOUT_MS / 1000} s fails with a ModelError naming the file, and is aborted`, async () => {
    let signal: AbortSignal | undefined;
    const fetchFn = ((_u: string, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>(() => {});
    }) as typeof fetch;
    const result = download('m/model.json', fetchFn).catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(STALL_TIMEOUT_MS);
    expect(await result).toMatchObject({
      name: 'ModelError',
      message: 'could not fetch m/model.json: no data for 20 s (stalled download)',
    });
    expect(signal?.aborted).toBe(true);
  });

  it('a body that stops arriving fails the same way; one that keeps arriving slowly is never cut', async () => {
    const slow = controlledBody();
    const ok = download('m/weights.bin', (async () => slow.response) as unknown as typeof fetch);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(STALL_TIMEOUT_MS - 1000);
      slow.push(100);
    }
    slow.end();
    expect((await ok).byteLength).toBe(1000);

    const stuck = controlledBody();
    const failed = download('m/weights.bin', (async () => stuck.response) as unknown as typeof fetch).catch((e: Error) => e);
    stuck.push(10);
    await vi.advanceTimersByTimeAsync(STALL_TIMEOUT_MS);
    expect(await failed).toMatchObject({ name: 'ModelError', message: expect.stringMatching(/weights\.bin: no data for 20 s/) });
  });

  it('HTTP errors and network errors name the file', async () => {
    await expect(download('x.bin', (async () => new Response(null, { status: 503 })) as unknown as typeof fetch)).rejects.toThrow(
      'could not fetch x.bin: HTTP 503',
    );
    await expect(
      download('x.bin', (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch),
    ).rejects.toThrow('could not fetch x.bin: Failed to fetch');
  });
});

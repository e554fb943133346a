// Reco's worker, wrapped for reliability tests. On the BroadcastChannel 'e2e-probe' the page can ask:
// - { crash: n }: the next n calls from the page get no answer, then the worker throws an uncaught error (a worker
//   that runs out of memory or hits a bug), so that n calls are in flight when it dies. Answered with 'armed'.
// - 'tensors': answered with { tensors } — tfjs's count of live tensors in this worker (tfjs keeps its engine on the
//   global object as _tfengine).
// Says 'started' once Reco's worker listens.
const channel = new BroadcastChannel('e2e-probe');
let crashAfter = 0;
const swallowed = [];
channel.onmessage = (e) => {
  if (e.data === 'tensors') channel.postMessage({ tensors: globalThis._tfengine?.state.numTensors ?? null });
  else if (e.data?.crash) {
    crashAfter = e.data.crash;
    channel.postMessage('armed');
  }
};
// Registered before Reco's worker adds its own listener, so it sees each call first. Calls that arrive while
// Reco's worker is still loading are held and handed to it once it listens.
let held = [];
self.addEventListener('message', (e) => {
  if (held) {
    e.stopImmediatePropagation();
    held.push(e.data);
  } else if (crashAfter > 0) {
    e.stopImmediatePropagation();
    swallowed.push(e.data);
    if (swallowed.length === crashAfter) {
      setTimeout(() => {
        throw new Error(`e2e: the worker crashed on purpose with ${crashAfter} calls in flight`);
      });
    }
  }
});
await import('/reco.worker.js');
const waiting = held;
held = null;
for (const data of waiting) self.dispatchEvent(new MessageEvent('message', { data }));
channel.postMessage('started');

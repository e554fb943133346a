// Reco's worker, wrapped so that a test can crash it: after the page posts 'crash' on the BroadcastChannel
// 'e2e-worker' (answered with 'armed'), the next call from the page gets no answer and the worker throws an
// uncaught error, as a worker that runs out of memory or hits a bug does. Says 'started' when it has started.
const channel = new BroadcastChannel('e2e-worker');
let armed = false;
channel.onmessage = (e) => {
  if (e.data !== 'crash') return;
  armed = true;
  channel.postMessage('armed');
};
// Registered before Reco's worker adds its own listener, so it sees each call first. Calls that arrive while
// Reco's worker is still loading are held and handed to it once it listens.
let held = [];
self.addEventListener('message', (e) => {
  if (held) {
    e.stopImmediatePropagation();
    held.push(e.data);
  } else if (armed) {
    armed = false;
    e.stopImmediatePropagation();
    setTimeout(() => {
      throw new Error('e2e: the worker crashed on purpose');
    });
  }
});
await import('/reco.worker.js');
const waiting = held;
held = null;
for (const data of waiting) self.dispatchEvent(new MessageEvent('message', { data }));
channel.postMessage('started');

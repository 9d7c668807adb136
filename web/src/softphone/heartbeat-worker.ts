// The heartbeat clock lives in a dedicated Worker: Chrome throttles chained timers of a hidden tab's
// page to once a minute (docs/ROUTING.md §Browser heartbeats), not a worker's. The page only reacts to
// 'tick' messages, and message delivery is not throttled.
let timer: ReturnType<typeof setTimeout> | undefined;
let intervalMs = 10_000;

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    postMessage('tick');
    schedule();
  }, intervalMs);
}

// biome-ignore lint/suspicious/noGlobalAssign: a dedicated worker's global message handler is assigned, by design
onmessage = (event: MessageEvent<{ intervalMs?: number; stop?: boolean }>) => {
  if (event.data.stop) return void clearTimeout(timer);
  if (event.data.intervalMs) intervalMs = event.data.intervalMs;
  schedule();
};

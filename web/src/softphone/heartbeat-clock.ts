// The heartbeat clock: ticks every interval until stopped. The browser uses a dedicated Worker
// (Chrome throttles a hidden tab's page timers to once a minute, not a worker's; message delivery is
// not throttled); the timer clock is the same contract on page timers, for tests and for browsers
// without module workers.
export interface HeartbeatClock {
  /** (Re)starts ticking every `intervalMs`. */
  start(intervalMs: number): void;
  /** Stops ticking; `start` may resume it. */
  stop(): void;
  /** Stops for good and frees the worker. */
  dispose(): void;
}

export function workerClock(onTick: () => void): HeartbeatClock {
  const worker = new Worker(new URL('./heartbeat-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = () => onTick();
  return {
    start: (intervalMs) => worker.postMessage({ intervalMs }),
    stop: () => worker.postMessage({ stop: true }),
    dispose: () => {
      worker.onmessage = null;
      worker.terminate();
    },
  };
}

export function timerClock(onTick: () => void): HeartbeatClock {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  // A tick may stop or restart the clock; only the run it belongs to schedules the next one.
  let run = 0;
  const stop = () => {
    run++;
    clearTimeout(timer);
  };
  return {
    start(intervalMs) {
      stop();
      if (disposed) return;
      const mine = run;
      const schedule = () => {
        timer = setTimeout(() => {
          onTick();
          if (run === mine) schedule();
        }, intervalMs);
      };
      schedule();
    },
    stop,
    dispose() {
      disposed = true;
      stop();
    },
  };
}

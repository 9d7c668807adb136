/**
 * Time as a dependency. Domain functions take `now` (epoch ms) as an argument; stateful shells that
 * must act at a future instant (lease expiry, grace periods) take a Clock, so tests drive time by hand.
 */
export interface Clock {
  now(): number;
  /** Run `fn` once at epoch-ms `at` (or as soon as possible if `at` has passed). */
  setTimer(at: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: number };

let nextId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    // setTimeout's delay is capped at 2^31-1 ms; leases are seconds long, so this is never hit.
    const timeout = setTimeout(fn, Math.max(0, at - Date.now()));
    timeout.unref?.();
    return Object.assign({ id: nextId++ }, { timeout });
  },
  clearTimer(handle) {
    clearTimeout((handle as unknown as { timeout: NodeJS.Timeout }).timeout);
  },
};

/** A clock that only moves when told to; timers fire in deadline order during `advance`. */
export class ManualClock implements Clock {
  private current: number;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 5, 15, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    const id = nextId++;
    this.timers.set(id, { at, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Move time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) if (t.at <= target && t.at < nextAt) [nextId, nextAt] = [id, t.at];
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.current = Math.max(this.current, timer.at);
      timer.fn();
    }
    this.current = target;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}

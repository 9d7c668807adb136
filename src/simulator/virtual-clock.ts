/**
 * Simulated time for scenarios: a clock that stands still until a scenario runs, then jumps from one
 * of the simulator's timers to the next whenever nothing is in flight (no request awaiting its
 * answer). A call with a 20 s ring and a 2-minute voicemail plays in milliseconds, and the service,
 * given the same clock, sees the same seconds pass. Timers of the service that fall due on the way
 * fire in order, and time stops at each until what it started is idle again (a wrap-up's end frees an
 * agent before the next round of a wait plays); the service's own timers never drive time forward (its
 * sweeps would run forever).
 */
import type { Clock, TimerHandle } from '../domain/clock.js';

interface Timer {
  at: number;
  fn: () => void;
  /** A simulator timer: time may jump to it. */
  drives: boolean;
}

export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  private inFlight = 0;

  /** Requests in flight: time does not move while one awaits its answer. */
  readonly busy = { begin: () => void this.inFlight++, end: () => void this.inFlight-- };

  /** The simulator's view: its timers drive time forward. */
  readonly driving: Clock = {
    now: () => this.now(),
    setTimer: (at, fn) => this.add(at, fn, true),
    clearTimer: (handle) => this.clearTimer(handle),
  };

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    return this.add(at, fn, false);
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Moves time forward by `ms` now, firing what falls due (for a test's "a minute later"). */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Drives time until `work` settles, jumping to the next simulator timer whenever all is idle. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    done.catch(() => {});
    while (!settled) {
      await this.idle();
      if (settled) break;
      const next = this.nextDrivingTimer();
      if (next === undefined) {
        // Waiting on something real (a socket, a browser): let real time pass.
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      this.advanceTo(next, true);
    }
    return done;
  }

  private add(at: number, fn: () => void, drives: boolean): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at, fn, drives });
    return { id };
  }

  private nextDrivingTimer(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (t.drives && (next === undefined || t.at < next)) next = t.at;
    return next;
  }

  /**
   * Fires every timer due up to `target`, in order. `settleAfterService`: stop right after a timer of
   * the service (time stays at it), so that the work it starts (a wrap-up ending, an offer to a waiting
   * caller) runs before time moves on; `run` then goes on once all is idle again.
   */
  private advanceTo(target: number, settleAfterService = false): void {
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, t] of this.timers) if (t.at <= target && t.at < dueAt) [dueId, dueAt] = [id, t.at];
      if (dueId === undefined) break;
      const timer = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.current = Math.max(this.current, timer.at);
      timer.fn();
      if (settleAfterService && !timer.drives) return;
    }
    this.current = Math.max(this.current, target);
  }

  /** Nothing in flight for a few turns of the event loop (answers being read, continuations run). */
  private async idle(): Promise<void> {
    let quiet = 0;
    while (quiet < 3) {
      await new Promise((r) => setImmediate(r));
      quiet = this.inFlight === 0 ? quiet + 1 : 0;
      if (this.inFlight > 0) await new Promise((r) => setTimeout(r, 1));
    }
  }
}

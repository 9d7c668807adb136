/**
 * The wall clock plus a lead a test can add to: time passes by itself (timers fire on their own, as
 * with the system clock), and `advance` jumps it forward at once, firing the timers that fall due.
 * For suites whose server must keep real time for most tests but where one test needs "a second
 * later" without sleeping for it.
 */
import type { Clock, TimerHandle } from '../../src/domain/clock.js';

type Pending = { at: number; fn: () => void; timeout: NodeJS.Timeout };

export class SkippingClock implements Clock {
  private lead = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  now(): number {
    return Date.now() + this.lead;
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at, fn, timeout: this.arm(id, at) });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer) clearTimeout(timer.timeout);
    this.timers.delete(handle.id);
  }

  /** Moves time forward by `ms`: due timers fire now, earliest first; the others are re-armed. */
  advance(ms: number): void {
    this.lead += ms;
    const now = this.now();
    const due = [...this.timers].filter(([, t]) => t.at <= now).sort(([, x], [, y]) => x.at - y.at);
    for (const [id] of due) this.fire(id);
    for (const [id, t] of this.timers) {
      clearTimeout(t.timeout);
      t.timeout = this.arm(id, t.at);
    }
  }

  private arm(id: number, at: number): NodeJS.Timeout {
    const timeout = setTimeout(() => this.fire(id), Math.max(0, at - this.now()));
    timeout.unref?.();
    return timeout;
  }

  private fire(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    clearTimeout(timer.timeout);
    this.timers.delete(id);
    timer.fn();
  }
}

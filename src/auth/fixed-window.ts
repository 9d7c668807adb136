/**
 * Fixed-window counts per key in memory: what the in-memory limits did with rate-limiter-flexible's
 * RateLimiterMemory, without its promise and result object per request and its record and timer per
 * key (at 100k agents a timer per agent for the heartbeat budget). Same rule: a key's window starts
 * with its first count and lasts `windowMs`; a count past `points` in it is refused with the ms left
 * until the window ends (refused counts are counted too, as there). Keys whose window has ended are
 * forgotten in one pass, at most once per window.
 */
interface Window {
  count: number;
  /** end of the window, epoch ms */
  end: number;
}

export class FixedWindowCounter {
  private readonly windows = new Map<string, Window>();
  private prunedAt: number;

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.prunedAt = now();
  }

  /** Counts one for `key`: 0 when within its budget, else the ms until its window ends (at least 1). */
  take(key: string): number {
    const now = this.now();
    if (now - this.prunedAt >= this.windowMs) this.prune(now);
    let w = this.windows.get(key);
    if (w === undefined) this.windows.set(key, (w = { count: 0, end: now + this.windowMs }));
    else if (w.end <= now) (w.count = 0), (w.end = now + this.windowMs);
    w.count++;
    return w.count > this.points ? Math.max(1, w.end - now) : 0;
  }

  /** Without counting: the ms this key is still refused for (0 = not over its budget). */
  blockedMs(key: string): number {
    const w = this.windows.get(key);
    const now = this.now();
    return w !== undefined && w.end > now && w.count > this.points ? Math.max(1, w.end - now) : 0;
  }

  /** Keys counted in a window that has not ended (tests, metrics). */
  get size(): number {
    return this.windows.size;
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [key, w] of this.windows) if (w.end <= now) this.windows.delete(key);
  }
}

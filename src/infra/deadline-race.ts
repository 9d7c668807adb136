/**
 * Races work against deadlines with one timer for all of it. A webhook answers within a deadline
 * (WEBHOOK_DEADLINE_MS); a timer, a second promise and Promise.race per request were a few percent
 * of a TeXML decision. Here each race is one promise and one entry in a set, and a single timer is
 * armed for the earliest deadline pending. Every webhook has the same budget, so the earliest is
 * nearly always the oldest, and the timer rarely moves.
 *
 * The timer is not cleared when nothing is left to watch: a webhook's body and answer nearly always
 * come within the same turn of the event loop, so clearing it then arming a new one for the next
 * request was a timer set and cancelled per request (a few percent of a TeXML answer). It stays at
 * its deadline, unreferenced (it never keeps the process alive), and when it fires with nothing due
 * it re-arms only for what is still pending: at most one timer per budget, not one per request.
 *
 * Deadlines are on the performance.now() scale.
 */
/** What is watched: expire() is called once `deadline` passes, unless it is unwatched first. */
export interface DeadlineEntry {
  readonly deadline: number;
  expire(): void;
}

/** A deadline being watched (DeadlineRace.watch), to unwatch when what it watched is done. */
export type DeadlineWatch = { readonly deadline: number };

export class DeadlineRace {
  private readonly pending = new Set<DeadlineEntry>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /** `work`'s outcome, or a rejection with `expired()` once `deadline` passes first. */
  race<T>(deadline: number, work: Promise<T>, expired: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.watch(deadline, () => reject(expired()));
      work.then(
        (value) => {
          this.unwatch(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.unwatch(entry);
          reject(err);
        },
      );
    });
  }

  /**
   * Calls `expire` once `deadline` passes, unless unwatch() comes first: a timeout on the shared
   * timer (a webhook body's, src/http/webhook-endpoint.ts), without a timer of its own.
   */
  watch(deadline: number, expire: () => void): DeadlineWatch {
    const entry: DeadlineEntry = { deadline, expire };
    this.add(entry);
    return entry;
  }

  /** watch() for an entry of the caller's own (an object that is its own deadline and expiry: no closure). */
  add(entry: DeadlineEntry): void {
    this.pending.add(entry);
    if (entry.deadline < this.timerAt) this.arm(entry.deadline);
  }

  /** The watch is over (what it watched is done): `expire` will not be called. The timer stays (see above). */
  unwatch(watch: DeadlineWatch): void {
    this.pending.delete(watch as DeadlineEntry);
  }

  /** Races still waiting (tests). */
  get size(): number {
    return this.pending.size;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - performance.now())).unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.expire();
      } else if (entry.deadline < next) next = entry.deadline;
    }
    if (next !== Infinity) this.arm(next);
  };
}

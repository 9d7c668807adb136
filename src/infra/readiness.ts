/**
 * Readiness: may this instance take traffic now? Named checks (the database, Redis when configured,
 * anything a later module needs) are registered by whoever owns the dependency; /readyz runs them
 * all, each bounded by a timeout so a hung dependency reads as "not ready" instead of hanging the probe.
 */

/** Resolves when the dependency is usable; throws (or rejects) with the reason when it is not. */
export type ReadinessCheck = () => unknown;

export interface ReadinessCheckResult {
  name: string;
  ok: boolean;
  ms: number;
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** The first failing check's name and reason, for the probe's log line. */
  reason?: string;
  checks: ReadinessCheckResult[];
  /** Facts an operator should see beside the checks (e.g. how Telnyx webhooks are authenticated); absent when none. */
  details?: Record<string, unknown>;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly details = new Map<string, unknown>();
  private drainingReason: string | null = null;

  constructor(private readonly timeoutMs = 1_000) {}

  /** Adds (or replaces) the check called `name`; returns a function that removes it. */
  register(name: string, check: ReadinessCheck): () => void {
    this.checks.set(name, check);
    return () => {
      if (this.checks.get(name) === check) this.checks.delete(name);
    };
  }

  /** A fact shown under `details` of every report (it never makes the instance not ready). */
  describe(name: string, value: unknown): void {
    this.details.set(name, value);
  }

  /** From now on the instance reports not ready (shutting down): load balancers stop sending work. */
  drain(reason = 'shutting down'): void {
    this.drainingReason = reason;
  }

  async report(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.checks].map(([name, check]) => this.run(name, check)));
    const failed = checks.find((c) => !c.ok);
    const details = this.details.size > 0 ? { details: Object.fromEntries(this.details) } : {};
    if (this.drainingReason) return { ready: false, reason: this.drainingReason, checks, ...details };
    return failed ? { ready: false, reason: `${failed.name}: ${failed.reason}`, checks, ...details } : { ready: true, checks, ...details };
  }

  private async run(name: string, check: ReadinessCheck): Promise<ReadinessCheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(check), timedOut]);
      return { name, ok: true, ms: elapsedSince(started) };
    } catch (err) {
      return { name, ok: false, ms: elapsedSince(started), reason: oneLineReason(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

const elapsedSince = (started: number) => Math.round((performance.now() - started) * 100) / 100;

/** Driver errors can run to pages (Prisma quotes the call first, the cause last); the probe needs one line. */
function oneLineReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.trim().split('\n').at(-1) ?? '').trim().slice(0, 200) || 'failed';
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineRace } from '../../src/infra/deadline-race.js';

const expired = () => new Error('expired');
const never = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How a race ended, and when (ms after `from`). */
const outcome = (p: Promise<unknown>, from: number) =>
  p.then(
    (value) => ({ value, at: performance.now() - from }),
    (err: Error) => ({ error: err.message, at: performance.now() - from }),
  );

describe('DeadlineRace: every deadline on one timer', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('settles as the work does when it comes first, and forgets it (its timer keeps no process alive)', async () => {
    const race = new DeadlineRace();
    const now = performance.now();
    await expect(race.race(now + 1_000, Promise.resolve(7), expired)).resolves.toBe(7);
    await expect(race.race(now + 1_000, Promise.reject(new Error('db down')), expired)).rejects.toThrow('db down');
    expect(race.size).toBe(0);
    const timer = (race as unknown as { timer: NodeJS.Timeout | undefined }).timer;
    expect(timer?.hasRef() ?? false).toBe(false);
  });

  it('sets one timer for a stream of watches that end at once, not one each (a webhook body arrives within the turn)', () => {
    const race = new DeadlineRace();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 1_000; i++) race.unwatch(race.watch(performance.now() + 10_000, () => {}));
    expect(timers).toHaveBeenCalledTimes(1);
    expect(race.size).toBe(0);
  });

  it('after a timer that found nothing due, a later watch still expires on time', async () => {
    const race = new DeadlineRace();
    race.unwatch(race.watch(performance.now() + 20, () => {}));
    await sleep(40); // the timer fired with nothing pending
    const t0 = performance.now();
    const late = await outcome(race.race(t0 + 30, never, expired), t0);
    expect(late).toMatchObject({ error: 'expired' });
    expect(late.at).toBeGreaterThanOrEqual(29);
    expect(late.at).toBeLessThan(1_000);
  });

  it('rejects at each deadline in turn, whatever order the deadlines came in, and keeps racing the rest', async () => {
    const race = new DeadlineRace();
    const t0 = performance.now();
    // A late deadline first, then an earlier one: the timer must move to the earlier.
    const late = outcome(race.race(t0 + 120, never, expired), t0);
    const early = outcome(race.race(t0 + 40, never, expired), t0);
    let finish!: (v: string) => void;
    const answered = outcome(race.race(t0 + 80, new Promise<string>((r) => (finish = r)), expired), t0);
    await sleep(60);
    expect(race.size).toBe(2); // the early one expired; the others still race
    finish('answered');
    const [e, a, l] = await Promise.all([early, answered, late]);
    expect(e).toMatchObject({ error: 'expired' });
    expect(e.at).toBeGreaterThanOrEqual(39);
    expect(a).toMatchObject({ value: 'answered' });
    expect(l).toMatchObject({ error: 'expired' });
    expect(l.at).toBeGreaterThanOrEqual(119);
    expect(e.at).toBeLessThan(l.at);
    expect(race.size).toBe(0);
  });

  it('a deadline already past rejects at once', async () => {
    const race = new DeadlineRace();
    await expect(race.race(performance.now() - 1, never, expired)).rejects.toThrow('expired');
  });
});

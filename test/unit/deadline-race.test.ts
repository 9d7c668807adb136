import { describe, expect, it } from 'vitest';
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
  it('settles as the work does when it comes first, and forgets it (no timer left behind)', async () => {
    const race = new DeadlineRace();
    const now = performance.now();
    await expect(race.race(now + 1_000, Promise.resolve(7), expired)).resolves.toBe(7);
    await expect(race.race(now + 1_000, Promise.reject(new Error('db down')), expired)).rejects.toThrow('db down');
    expect(race.size).toBe(0);
    expect((race as unknown as { timer: unknown }).timer).toBeUndefined();
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

/**
 * The simulation's tools for queue scenarios (test/support/simulation.ts), proven on the service as it
 * is: a burst of calls staggered on one run of virtual time, agents scripted once for every call that
 * rings them (the phone book), an agent's break at a given second, a caller pressing a key at a moment
 * of the call. Also that the service serves its built-in hold music where `<Play>` finds it, 10 s long.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdMusicUrl } from '../../src/domain/hold-music.js';
import { MediaLengths } from '../../src/simulator/media-length.js';
import type { CallResult } from '../../src/simulator/transcript.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

let sim: Simulation;

beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

/** When (virtual seconds into the burst) each call was answered, and by whom. */
const answered = (results: CallResult[], agents: Record<string, string>) => {
  const names = Object.fromEntries(Object.entries(agents).map(([name, sip]) => [sip, name]));
  return results.map((r) => [r.outcome, r.answeredBy === null ? null : (names[r.answeredBy] ?? r.answeredBy)]);
};

describe('a burst of calls', () => {
  it('plays staggered calls at once, with agents scripted in the phone book and a break at a given second', async () => {
    const c = await sim.company({
      number: '+13055554001',
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 15 },
      agents: [{ name: 'ana' }, { name: 'ben' }],
    });
    sim.phoneBook('agent ana answers after 1 s and hangs up after 20 s; agent ben answers after 2 s and hangs up after 20 s', c.agents);
    const caller = (n: number) => `call from +1555123100${n} to ${c.number}; caller talks for 60 s`;
    let statusAtBreak: unknown;
    const results = await sim.calls(
      [
        caller(1),
        caller(2),
        caller(3), // both agents are on calls: it waits in the queue for the first to hang up (ana, at 21 s)
        { scenario: caller(4), at: 40 }, // ana is on break by then: ben takes it
      ],
      {
        staggerSeconds: 1,
        actions: [
          {
            at: 30,
            run: async () => {
              await c.setStatus('ana', 'ON_BREAK', 'lunch');
              statusAtBreak = (await sim.server.gql(`{ presence(companyId: "${c.companyId}") { displayName status } }`, {}, c.supervisor))
                .data;
            },
          },
        ],
      },
    );
    expect(answered(results, c.agents)).toEqual([
      ['ANSWERED', expect.any(String)],
      ['ANSWERED', expect.any(String)],
      ['ANSWERED', 'ana'],
      ['ANSWERED', 'ben'],
    ]);
    // The first two went to different agents, each hanging up after the phone book's 20 s.
    expect(new Set(results.slice(0, 2).map((r) => r.answeredBy)).size).toBe(2);
    for (const r of results) {
      // The answering leg, moved into the call's room, ends 20 s after its answer (the phone book's hang-up).
      const answeredAt = r.steps.find((s) => s.kind === 'leg' && s.status === 'in-progress')!.at;
      const end = r.steps.find((s) => s.kind === 'end')!.at;
      expect(end - answeredAt).toBeCloseTo(20, 0);
    }
    // The calls overlapped in virtual time: each started `at` seconds into the burst.
    const started = results.map((r) => r.steps[0]!);
    expect(started.every((s) => s.kind === 'call')).toBe(true);
    expect(statusAtBreak).toMatchObject({ presence: expect.arrayContaining([{ displayName: 'ana', status: 'ON_BREAK' }]) });
    sim.phoneBook('agent ana is not scripted; agent ben is not scripted', c.agents);
  });

  it('a caller pressing a key at a moment of the call reaches the Gather listening then', async () => {
    const menu = [
      { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
      { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
    ];
    const c = await sim.company({
      number: '+13055554002',
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: 10, languageMenu: menu },
      agents: [
        { name: 'eve', skills: [{ name: 'en', level: 9 }] },
        { name: 'sol', skills: [{ name: 'es', level: 8 }] },
      ],
    });
    // The key at 2 s falls while the menu speaks: the caller chooses Spanish, and only sol rings.
    const [result] = await sim.calls(
      [
        `call from +15551231001 to ${c.number}; press 2 at 2 s; agent eve answers after 1 s; agent sol answers after 2 s; caller talks for 5 s`,
      ],
      { agents: c.agents },
    );
    const keys = result!.steps.filter((s) => s.kind === 'caller' && s.action === 'digits');
    expect(keys.map((s) => [s.at, s.line])).toEqual([[2, 'caller presses 2']]);
    expect(result!.answeredBy).toBe(c.agents.sol);
  });
});

describe('the built-in hold music', () => {
  it('is served by the service where <Play> fetches it, and plays for 10 s', async () => {
    expect(await new MediaLengths().secondsOf(holdMusicUrl(sim.server.url))).toBe(10);
  });
});

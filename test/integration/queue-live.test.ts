/**
 * The queues' live view (docs/QUEUES.md §Live view) over whole calls through the local Telnyx: one
 * agent talks for a minute while three callers arrive and wait. `companyQueues` shows them in serving
 * order with their place, wait, estimate and language; `queuesChanged` (a real graphql-ws client)
 * pushes a new view as each joins, when one hangs up (gone, and counted in today's abandon rate), when
 * the first is offered to the agent, and when the agent answers (gone while the call still goes on).
 *
 * Checks made mid-call hold virtual time (`held`). The feed pushes at most once per
 * QUEUE_PUSH_INTERVAL_MS of the service's clock, so a check right after a change lets that interval
 * pass first (`pushInterval`): otherwise the push would wait for the next simulator timer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_PUSH_INTERVAL_MS } from '../../src/services/queue-service.js';
import type { Step } from '../../src/simulator/transcript.js';
import { subscribe } from '../support/harness.js';
import { type Simulation, startSimulation } from '../support/simulation.js';
import { sseSubscription } from '../support/sse.js';

let sim: Simulation;
beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

const MENU = [
  { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
  { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
];

const VIEW = `companyId at
  queues { queueId name waiting callbacks longestWaitSeconds estimatedWaitSeconds ableAgents offered answered answeredInTime abandoned serviceLevel abandonRate }
  waiting { callSid queueId from state position waitedSeconds estimatedWaitSeconds language priority callbackRequested offeredToAgentId enqueuedAt }`;

interface View {
  companyId: string;
  at: string;
  queues: Record<string, any>[];
  waiting: { from: string; state: string; position: number | null; offeredToAgentId: string | null; [k: string]: unknown }[];
}

/** Runs `check` with virtual time standing still; await the result after the calls. */
function held<T>(check: () => Promise<T>): Promise<T> {
  sim.clock!.busy.begin();
  const done = check().finally(() => sim.clock!.busy.end());
  done.catch(() => {}); // awaited (and so reported) after the calls
  return done;
}

/** Lets the feed's push interval pass on the service's clock (no simulator timer falls in it here). */
async function pushInterval(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // out of the simulator's own call stack first
  sim.clock!.advance(QUEUE_PUSH_INTERVAL_MS);
}

const callers = (v: View) => v.waiting.map((c) => c.from);
const B = '+15551239002';
const C = '+15551239003';
const D = '+15551239004';

describe('the live view of the queues', () => {
  it('shows waiting callers in order and pushes each join, hang-up, offer and answer; abandons count today', async () => {
    const c = await sim.company({
      number: '+13055556001',
      routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 20, wrapUpSeconds: 0, languageMenu: MENU },
      agents: [
        {
          name: 'ana',
          skills: [
            { name: 'en', level: 5 },
            { name: 'es', level: 5 },
          ],
        },
      ],
    });
    const ana = c.agentIds.ana!;
    const query = async (selection = VIEW): Promise<View> => {
      const res = await sim.server.gql(
        `query($c: ID!) { companyQueues(companyId: $c) { ${selection} } }`,
        { c: c.companyId },
        c.supervisor,
      );
      expect(res.errors).toBeUndefined();
      return res.data.companyQueues;
    };
    const board = subscribe<{ queuesChanged: View }>(
      sim.server.ws(c.supervisor),
      `subscription($c: ID!) { queuesChanged(companyId: $c) { ${VIEW} } }`,
      { c: c.companyId },
    );
    const pushed = (predicate: (v: View) => boolean) => board.next((e) => predicate(e.queuesChanged)).then((e) => e.queuesChanged);

    // The view now, before any call: the default queue, nobody waiting, no figures yet.
    const first = await pushed(() => true);
    expect(first).toMatchObject({
      companyId: c.companyId,
      queues: [{ name: 'Main', waiting: 0, ableAgents: 1, offered: 0, serviceLevel: null, abandonRate: null }],
      waiting: [],
    });
    const queueId = first.queues[0]!.queueId;

    /** What the actions saw at given seconds (time held while each looked). */
    const seen: Partial<Record<'one' | 'two' | 'three' | 'query' | 'firstOnly' | 'abandoned', View>> = {};
    // On B's offer (the leg to ana rings) and on ana's answer, while the call goes on.
    let whenOffered: Promise<View> | undefined;
    let whenAnswered: Promise<{ pushed: View; queried: View }> | undefined;
    const observeB = (step: Step) => {
      if (step.kind !== 'callback' || !/^leg status/.test(step.line)) return;
      const status = step.exchange.params.CallStatus;
      if (status === 'ringing' && !whenOffered) {
        whenOffered = held(async () => {
          await pushInterval();
          return pushed((v) => v.waiting.some((w) => w.from === B && w.state === 'OFFERED'));
        });
      }
      if (status === 'in-progress' && !whenAnswered) {
        whenAnswered = held(async () => {
          await pushInterval();
          return { pushed: await pushed((v) => callers(v).join() === D), queried: await query() };
        });
      }
    };

    const results = await sim.calls(
      [
        // ana answers A and talks for a minute: everyone after waits.
        { scenario: `call from +15551239001 to ${c.number}; press 1; agent ana answers after 1 s; caller talks for 60 s`, at: 0 },
        { scenario: `call from ${B} to ${c.number}; press 2; agent ana answers after 3 s; caller talks for 5 s`, at: 5, observe: observeB },
        { scenario: `call from ${C} to ${c.number}; press 1; caller hangs up at 25 s`, at: 10 },
        { scenario: `call from ${D} to ${c.number}; press 1; agent ana answers after 1 s; caller talks for 5 s`, at: 15 },
      ],
      {
        agents: c.agents,
        actions: [
          // Each joins the queue a second into their call (after the menu): a push for each.
          { at: 8.5, run: async () => (seen.one = await pushed((v) => callers(v).join() === B)) },
          { at: 13.5, run: async () => (seen.two = await pushed((v) => callers(v).join() === [B, C].join())) },
          {
            at: 18.5,
            run: async () => {
              seen.three = await pushed((v) => callers(v).join() === [B, C, D].join());
              seen.query = await query();
              seen.firstOnly = await query('waiting(first: 1) { from position }');
            },
          },
          // C hung up at 35 s: gone from the line, and today's abandon rate counts them.
          {
            at: 40.5,
            run: async () => (seen.abandoned = await pushed((v) => callers(v).join() === [B, D].join() && v.queues[0]!.abandoned === 1)),
          },
        ],
      },
    );
    expect(results.map((r) => r.outcome)).toEqual(['ANSWERED', 'ANSWERED', 'ABANDONED', 'ANSWERED']);

    // A push as each caller joined.
    expect(callers(seen.one!)).toEqual([B]);
    expect(callers(seen.two!)).toEqual([B, C]);
    expect(seen.three!.queues[0]).toMatchObject({ waiting: 3, estimatedWaitSeconds: 4 * 180 });

    // The query at 18.5 s: serving order, places 1..3, waits so far, estimates (one able agent, the
    // default 180 s handle time), the language chosen in the menu.
    const atThree = seen.query!;
    expect(atThree.waiting).toEqual([
      {
        callSid: results[1]!.callSid,
        queueId,
        from: B,
        state: 'WAITING',
        position: 1,
        waitedSeconds: 12,
        estimatedWaitSeconds: 180,
        language: 'es',
        priority: 0,
        callbackRequested: false,
        offeredToAgentId: null,
        enqueuedAt: new Date(results[1]!.startedAt + 1000).toISOString(),
      },
      expect.objectContaining({ from: C, position: 2, waitedSeconds: 7, estimatedWaitSeconds: 360, language: 'en' }),
      expect.objectContaining({ from: D, position: 3, waitedSeconds: 2, estimatedWaitSeconds: 540, language: 'en' }),
    ]);
    expect(atThree.queues).toEqual([
      {
        queueId,
        name: 'Main',
        waiting: 3,
        callbacks: 0,
        longestWaitSeconds: 12,
        estimatedWaitSeconds: 720,
        ableAgents: 1,
        offered: 0,
        answered: 0,
        answeredInTime: 0,
        abandoned: 0,
        serviceLevel: null,
        abandonRate: null,
      },
    ]);
    expect(seen.firstOnly!.waiting).toEqual([{ from: B, position: 1 }]);

    // C hung up: gone, the others moved up, and today's only finished call of the queue is an abandon.
    const afterAbandon = seen.abandoned!;
    expect(afterAbandon.waiting.map((w) => [w.from, w.position])).toEqual([
      [B, 1],
      [D, 2],
    ]);
    expect(afterAbandon.queues[0]).toMatchObject({ offered: 1, abandoned: 1, abandonRate: 1, serviceLevel: 0 });

    // ana freed up at 62 s: B is offered to her (no place while offered), D is next.
    const offered = (await whenOffered)!;
    expect(offered.waiting.map((w) => [w.from, w.state, w.position, w.offeredToAgentId])).toEqual([
      [B, 'OFFERED', null, ana],
      [D, 'WAITING', 1, null],
    ]);
    expect(offered.queues[0]).toMatchObject({ waiting: 1 });

    // ana answered B: B is gone from the view at once, while their call goes on.
    const answered = (await whenAnswered)!;
    for (const v of [answered.pushed, answered.queried]) expect(v.waiting.map((w) => [w.from, w.position])).toEqual([[D, 1]]);

    // The end of the day so far: nobody waits; A answered within 20 s, B and D after a long wait, C abandoned.
    const end = await query();
    expect(end.waiting).toEqual([]);
    expect(end.queues[0]).toMatchObject({
      waiting: 0,
      longestWaitSeconds: 0,
      offered: 4,
      answered: 3,
      answeredInTime: 1,
      abandoned: 1,
      serviceLevel: 0.25,
      abandonRate: 0.25,
    });
    board.unsubscribe();
  });

  it('is served over SSE too: the view now, first', async () => {
    const c = await sim.company({ number: '+13055556002', agents: [{ name: 'eve' }] });
    const sse = await sseSubscription(
      sim.server.url,
      `subscription($c: ID!) { queuesChanged(companyId: $c) { companyId queues { name waiting } waiting { from } } }`,
      { c: c.companyId },
      c.supervisor,
    );
    try {
      expect(sse.status).toBe(200);
      await sse.started;
      expect(sse.payloads[0]).toEqual({
        data: { queuesChanged: { companyId: c.companyId, queues: [{ name: 'Main', waiting: 0 }], waiting: [] } },
      });
    } finally {
      await sse.cancel();
    }
  });
});

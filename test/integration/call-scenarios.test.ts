/**
 * The service's call flows proven by whole calls: the local Telnyx (src/simulator) places each call,
 * fetches the service's TeXML, rings scripted agents and forwards, records voicemails and sends every
 * callback Telnyx would, on virtual time (a 30 s hunt plays in milliseconds). Each scenario asserts
 * the wire (the transcript: outcome, which legs rang in which order, the TeXML answered) and the
 * service (the call log, voicemails, presence, reservations through routePreview). The last test
 * checks that the scenarios together met every TeXML document shape the service emits; the
 * simulator refuses verbs and attributes outside Telnyx's dialect, so drift fails here first.
 * SHOW_TRANSCRIPTS=1 prints every call's transcript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APOLOGY, HOLD_PROMPT, MENU_TIMEOUT_SECONDS } from '../../src/domain/call-flow.js';
import type { TexmlApplication } from '../../src/simulator/call-engine.js';
import { phoneKey } from '../../src/simulator/scripted-phones.js';
import { readTexml, type TexmlNode } from '../../src/simulator/texml-reader.js';
import { type CallResult, formatStep, type Step } from '../../src/simulator/transcript.js';
import { subscribe, waitFor } from '../support/harness.js';
import { type CompanyInput, type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';

type FetchStep = Extract<Step, { kind: 'fetch' }>;
type LegStep = Extract<Step, { kind: 'leg' }>;

/** A TeXML document the service answered during a scenario. */
interface SeenDocument {
  scenario: string;
  purpose: string;
  params: Record<string, string>;
  verbs: TexmlNode[];
  shape: string;
}

let sim: Simulation;
const seen: SeenDocument[] = [];
let numbers = 0;
const nextNumber = () => `+1305555${String(3000 + ++numbers)}`;
const CALLER = '+15551230000';

beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

// ——— playing calls ———

interface PlayOptions {
  agents?: Record<string, string>;
  /** Sees each step as it happens (a check that must run mid-call holds the clock with `held`). */
  observe?: (step: Step) => void;
  /** Default: the application the called number points at (the service's voice URL, POST). */
  application?: TexmlApplication;
}

/** Starts a call without driving time (calls that overlap share one `clock.run`); `play` drives one to its end. */
async function start(text: string, opts: PlayOptions = {}): Promise<CallResult> {
  const to = /\bto\s+(\+?\d+)/i.exec(text)?.[1] ?? '';
  const application = opts.application ?? (await sim.host.applicationFor(sim.server.app.services, to, sim.server.url));
  if (!application) throw new Error(`${to} is no company's number`);
  return sim.telnyx.scenario(text, { agents: opts.agents, application, observe: opts.observe });
}

/** Settles a played call: fails on any dialect error or failed request, and keeps its documents for the shapes test. */
function settle(text: string, result: CallResult): CallResult {
  for (const step of result.steps) {
    if (step.kind !== 'fetch' || step.exchange.status !== 200) continue;
    const read = readTexml(step.exchange.body);
    if (read.ok) {
      seen.push({ scenario: text, purpose: step.purpose, params: step.exchange.params, verbs: read.verbs, shape: shapeOf(read.verbs) });
    }
  }
  if (process.env.SHOW_TRANSCRIPTS) console.log(`${text}\n${result.steps.map(formatStep).join('\n')}\n`);
  if (result.errors.length) {
    throw new Error(`the call went wrong:\n${result.errors.join('\n')}\n\ntranscript:\n${result.steps.map(formatStep).join('\n')}`);
  }
  return result;
}

async function play(text: string, opts: PlayOptions = {}): Promise<CallResult> {
  return settle(text, await sim.clock!.run(start(text, opts)));
}

/**
 * Runs `check` with simulated time standing still (it counts as a request in flight), so a query
 * made from `observe` sees the call as it is at that step. Await the result after the call.
 */
function held<T>(check: () => Promise<T>): Promise<T> {
  sim.clock!.busy.begin();
  const done = check().finally(() => sim.clock!.busy.end());
  done.catch(() => {}); // awaited (and so reported) after the call
  return done;
}

// ——— reading transcripts ———

const legSteps = (r: CallResult) => r.steps.filter((s): s is LegStep => s.kind === 'leg');
const fetches = (r: CallResult) => r.steps.filter((s): s is FetchStep => s.kind === 'fetch');

/** Scenario names of the agents (or numbers) whose legs were dialed, in dialing order, one entry per leg. */
function rang(c: SimulatedCompany, r: CallResult): string[] {
  const names = Object.fromEntries(Object.entries(c.agents).map(([name, sip]) => [sip, name]));
  return legSteps(r)
    .filter((s) => s.status === 'initiated')
    .map((s) => names[phoneKey(s.to)] ?? phoneKey(s.to));
}

/** Every status one agent's leg went through. */
function legHistory(c: SimulatedCompany, r: CallResult, name: string): string[] {
  return legSteps(r)
    .filter((s) => phoneKey(s.to) === (c.agents[name] ?? name))
    .map((s) => s.status);
}

/** When (seconds into the call) each leg was dialed. */
function dialedAt(r: CallResult): number[] {
  return legSteps(r)
    .filter((s) => s.status === 'initiated')
    .map((s) => s.at);
}

/** The verbs of each TeXML document the call fetched, e.g. ["Dial(Sip)", "Say Record", "Hangup"]. */
function documentShapes(r: CallResult): string[] {
  return fetches(r).map((f) => {
    const read = readTexml(f.exchange.body);
    return read.ok ? shapeOf(read.verbs) : `unreadable: ${read.errors.join('; ')}`;
  });
}

/** A document's shape: its verbs in order, each with the kinds of nouns or prompts it holds. */
function shapeOf(verbs: readonly TexmlNode[]): string {
  return verbs.map((v) => (v.children.length ? `${v.name}(${[...new Set(v.children.map((c) => c.name))].join(',')})` : v.name)).join(' ');
}

function documentOf(f: FetchStep): TexmlNode[] {
  const read = readTexml(f.exchange.body);
  if (!read.ok) throw new Error(read.errors.join('; '));
  return read.verbs;
}

const pathOf = (url: string) => new URL(url).pathname;

// ——— reading the service ———

async function logOf(r: CallResult) {
  await sim.server.app.services.calls.log.flush();
  return sim.server.database.prisma.callLog.findFirst({ where: { callSid: r.callSid } });
}

function gqlAs(c: SimulatedCompany) {
  return async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await sim.server.gql(query, { c: c.companyId, ...variables }, c.supervisor);
    if (res.errors) throw new Error(`${query}: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
}

async function presenceOf(c: SimulatedCompany, name: string) {
  const data = await gqlAs(c)(`query($c: ID!) { presence(companyId: $c) { displayName status statusReason activeCalls } }`);
  const found = data.presence.find((p: { displayName: string }) => p.displayName === name);
  if (!found) throw new Error(`no presence for ${name}`);
  return found as { displayName: string; status: string; statusReason: string | null; activeCalls: number };
}

async function preview(c: SimulatedCompany) {
  const data = await gqlAs(c)(
    `query($c: ID!) { routePreview(companyId: $c) { decision fallbackReason queue { decision reason position estimatedWaitSeconds ableAgents } targets { displayName } skipped { agent { displayName } reason } } }`,
  );
  return data.routePreview as {
    decision: string;
    fallbackReason: string | null;
    queue: { decision: string; reason: string; position: number | null; estimatedWaitSeconds: number | null; ableAgents: number } | null;
    targets: { displayName: string }[];
    skipped: { agent: { displayName: string }; reason: string }[];
  };
}

const company = (input: Omit<CompanyInput, 'number'> & { number?: string }) => sim.company({ number: nextNumber(), ...input });

// ——— the scenarios ———

describe('hunting', () => {
  it('sequential: tier 1 by position, then tier 2, each agent once, then voicemail', async () => {
    const c = await company({
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 15 },
      agents: [
        { name: 'carla', tier: 2, position: 0 },
        { name: 'ana', tier: 1, position: 1 },
        { name: 'ben', tier: 1, position: 2 },
      ],
    });
    const r = await play(
      `call from ${CALLER} to ${c.number}; agent ana does not answer; agent ben does not answer; agent carla does not answer; caller leaves a 4 s message`,
      { agents: c.agents },
    );
    expect(r.outcome).toBe('VOICEMAIL');
    expect(r.answeredBy).toBeNull();
    expect(rang(c, r)).toEqual(['ana', 'ben', 'carla']);
    expect(dialedAt(r)).toEqual([0, 15, 30]); // each rings its full 15 s
    for (const name of ['ana', 'ben', 'carla']) expect(legHistory(c, r, name)).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Sip)', 'Dial(Sip)', 'Say Record', 'Hangup']);
    const dial = documentOf(fetches(r)[0]!)[0]!;
    expect(dial.attrs).toMatchObject({ timeout: '15', answerOnBridge: 'true' });
    expect(pathOf(dial.attrs.action!)).toBe(`/telnyx/dial-complete/${c.companyId}`);
    expect(pathOf(dial.children[0]!.attrs.statusCallback!)).toBe(`/telnyx/status/${c.companyId}`);
    const log = await logOf(r);
    expect(log).toMatchObject({
      outcome: 'VOICEMAIL',
      offeredAgentIds: [c.agentIds.ana, c.agentIds.ben, c.agentIds.carla],
      answeredAgentId: null,
      answeredAt: null,
    });
    const voicemail = await sim.server.database.prisma.voicemail.findFirst({ where: { callSid: r.callSid } });
    expect(voicemail).toMatchObject({ companyId: c.companyId, durationSeconds: 4 });
  });

  it('ring-all: the first to answer wins, the other legs are canceled, a decline ends only its own leg', async () => {
    const c = await company({
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: 20 },
      agents: [{ name: 'yuri' }, { name: 'zak' }, { name: 'zoe' }],
    });
    const r = await play(
      `call from ${CALLER} to ${c.number}; agent yuri declines after 1 s; agent zak answers after 3 s; agent zoe answers after 5 s; caller talks for 20 s`,
      { agents: c.agents },
    );
    expect(r.outcome).toBe('ANSWERED');
    expect(r.answeredBy).toBe(c.agents.zak);
    expect(rang(c, r).sort()).toEqual(['yuri', 'zak', 'zoe']);
    expect(documentShapes(r)[0]).toBe('Dial(Sip)');
    expect(documentOf(fetches(r)[0]!)[0]!.children).toHaveLength(3); // one Dial, three legs at once
    expect(legHistory(c, r, 'yuri')).toEqual(['initiated', 'ringing', 'busy']);
    expect(legHistory(c, r, 'zoe')).toEqual(['initiated', 'ringing', 'canceled']);
    // Zak's leg answers and is moved (redirected) into the call's room (docs/IN-CALL.md).
    expect(legHistory(c, r, 'zak')).toEqual(['initiated', 'ringing', 'in-progress', 'redirected']);
    const [joined, left] = fetches(r).filter((f) => f.purpose === 'Dial action');
    expect(joined!.exchange.params.DialCallStatus).toBe('completed');
    expect(shapeOf(documentOf(joined!))).toBe('Dial(Conference)'); // the caller follows zak into the room
    expect(shapeOf(documentOf(left!))).toBe('Hangup'); // and leaves it at the end
    const log = await logOf(r);
    expect(log).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.agentIds.zak });
    expect([...log!.offeredAgentIds].sort()).toEqual([c.agentIds.yuri, c.agentIds.zak, c.agentIds.zoe].sort());
    expect(log!.answeredAt!.getTime() - log!.startedAt.getTime()).toBe(3000);
    // Everyone is free again (no wrap-up configured): the next call would ring all three.
    expect((await preview(c)).targets.map((t) => t.displayName).sort()).toEqual(['yuri', 'zak', 'zoe']);
  });

  it('declines: each agent who declines hands the call on at once, not at the ring timeout', async () => {
    const c = await company({
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 20 },
      agents: [
        { name: 'ana', position: 1 },
        { name: 'ben', position: 2 },
      ],
    });
    const r = await play(
      `call from ${CALLER} to ${c.number}; agent ana declines after 2 s; agent ben declines after 1 s; caller leaves a 3 s message`,
      {
        agents: c.agents,
      },
    );
    expect(r.outcome).toBe('VOICEMAIL');
    expect(rang(c, r)).toEqual(['ana', 'ben']);
    expect(dialedAt(r)).toEqual([0, 2]);
    const actions = fetches(r).filter((f) => f.purpose === 'Dial action');
    expect(actions.map((f) => f.exchange.params.DialCallStatus)).toEqual(['busy', 'busy']);
    expect(actions.map((f) => f.at)).toEqual([2, 3]);
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Sip)', 'Say Record', 'Hangup']);
    expect(await logOf(r)).toMatchObject({ outcome: 'VOICEMAIL', offeredAgentIds: [c.agentIds.ana, c.agentIds.ben] });
  });

  it('AUTO (the default) rings everyone once: a missed ring-all goes to voicemail, not round again', async () => {
    const c = await company({ routing: { mode: 'AUTO', ringTimeoutSeconds: 10 }, agents: [{ name: 'zoe' }, { name: 'zak' }] });
    const r = await play(
      `call from ${CALLER} to ${c.number}; agent zoe does not answer; agent zak does not answer; caller leaves a 2 s message`,
      {
        agents: c.agents,
      },
    );
    expect(r.outcome).toBe('VOICEMAIL');
    expect(rang(c, r)).toEqual(['zak', 'zoe']); // AUTO orders by display name
    expect(dialedAt(r)).toEqual([0, 0]);
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Say Record', 'Hangup']);
    expect(fetches(r)[1]!.exchange.params.DialCallStatus).toBe('no-answer');
    const log = await logOf(r);
    expect(log).toMatchObject({ outcome: 'VOICEMAIL', answeredAgentId: null });
    expect([...log!.offeredAgentIds].sort()).toEqual([c.agentIds.zak, c.agentIds.zoe].sort());
  });

  it('round robin starts each call after the agent the previous call started with', async () => {
    const c = await company({
      routing: { mode: 'ROUND_ROBIN' },
      agents: [
        { name: 'a1', position: 1 },
        { name: 'a2', position: 2 },
        { name: 'a3', position: 3 },
      ],
    });
    const firsts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await play(
        `call from ${CALLER} to ${c.number}; agent a1 answers after 1 s; agent a2 answers after 1 s; agent a3 answers after 1 s; caller talks for 5 s`,
        { agents: c.agents },
      );
      expect(r.outcome).toBe('ANSWERED');
      firsts.push(rang(c, r)[0]!);
    }
    expect(firsts).toEqual(['a1', 'a2', 'a3', 'a1']);
  });

  it('fewest calls: every answered call counts, so the next call starts with whoever took fewer today', async () => {
    const c = await company({
      routing: { mode: 'FEWEST_CALLS' },
      agents: [
        { name: 'xia', position: 1 },
        { name: 'yan', position: 2 },
      ],
    });
    const answered: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await play(
        `call from ${CALLER} to ${c.number}; agent xia answers after 1 s; agent yan answers after 1 s; caller talks for 5 s`,
        {
          agents: c.agents,
        },
      );
      expect(rang(c, r)).toHaveLength(1);
      answered.push(r.answeredBy);
    }
    // 0/0 → xia by position; 1/0 → yan; 1/1 → xia again.
    expect(answered).toEqual([c.agents.xia, c.agents.yan, c.agents.xia]);
  });
});

describe('reservations and agent states', () => {
  it('a caller who hangs up while agents ring: ABANDONED, the reservation released, nothing counted against the agent', async () => {
    const c = await company({
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 20, autoPauseAfterMisses: 1 },
      agents: [
        { name: 'una', position: 1 },
        { name: 'uli', position: 2 },
      ],
    });
    const gql = gqlAs(c);
    let whileRinging: Promise<unknown> | undefined;
    const r = await play(`call from ${CALLER} to ${c.number}; agent una does not answer; caller hangs up at 5 s`, {
      agents: c.agents,
      observe: (step) => {
        if (!whileRinging && step.kind === 'callback' && step.exchange.params.CallStatus === 'ringing') {
          whileRinging = held(async () => ({
            stats: (await gql(`query($c: ID!) { companyStats(companyId: $c) { callsRinging } }`)).companyStats,
            preview: await preview(c),
          }));
        }
      },
    });
    expect(await whileRinging).toMatchObject({
      stats: { callsRinging: 1 },
      preview: { targets: [{ displayName: 'uli' }], skipped: [{ agent: { displayName: 'una' }, reason: 'RESERVED' }] },
    });
    expect(r.outcome).toBe('ABANDONED');
    expect(r.duration).toBe(5);
    expect(rang(c, r)).toEqual(['una']);
    expect(legHistory(c, r, 'una')).toEqual(['initiated', 'ringing', 'canceled']);
    const action = fetches(r).find((f) => f.purpose === 'Dial action')!;
    expect(action.exchange.params.DialCallStatus).toBe('canceled');
    expect(shapeOf(documentOf(action))).toBe('Hangup'); // nobody else is offered the dead call
    expect(await logOf(r)).toMatchObject({ outcome: 'ABANDONED', offeredAgentIds: [c.agentIds.una], answeredAgentId: null });
    const after = await gql(`query($c: ID!) { companyStats(companyId: $c) { callsRinging callsWaiting missedToday } }`);
    expect(after.companyStats).toEqual({ callsRinging: 0, callsWaiting: 0, missedToday: 1 });
    // Released, and not a miss: with autoPauseAfterMisses 1 a miss would have put una on break.
    expect((await preview(c)).targets.map((t) => t.displayName)).toEqual(['una']); // first again (uli while una was reserved)
    expect(await presenceOf(c, 'una')).toMatchObject({ status: 'AVAILABLE', statusReason: null, activeCalls: 0 });
  });

  it('two calls at once: the agent ringing for one is never offered the other; the second caller waits and gets them the moment the first leaves', async () => {
    const c = await company({ routing: { mode: 'LONGEST_IDLE', ringTimeoutSeconds: 20 }, agents: [{ name: 'solo' }] });
    let second: Promise<CallResult> | undefined;
    let whileRinging: Promise<unknown> | undefined;
    const first = start(`call from ${CALLER} to ${c.number}; agent solo does not answer; caller hangs up at 8 s`, {
      agents: c.agents,
      observe: (step) => {
        if (second || step.kind !== 'callback' || step.exchange.params.CallStatus !== 'ringing') return;
        // The preview first, then the second call arrives while solo rings for the first (time held throughout).
        const text = `call from +15551230002 to ${c.number}; agent solo answers after 1 s; caller talks for 3 s`;
        const started = held(async () => {
          const seen = await preview(c);
          const application = await sim.host.applicationFor(sim.server.app.services, c.number, sim.server.url);
          return { seen, playing: start(text, { application: application!, agents: c.agents }) }; // boxed: the call itself is not awaited here
        });
        whileRinging = started.then((s) => s.seen);
        second = started.then((s) => s.playing);
      },
    });
    const [one, two] = await sim.clock!.run(
      (async () => {
        const a = await first;
        return [a, await second!] as const;
      })(),
    );
    settle('first of two', one);
    settle('second of two', two);
    // routePreview explains it: nobody free (solo is ringing for the first call), so the caller would wait, first in line.
    expect(await whileRinging).toMatchObject({
      decision: 'QUEUE',
      fallbackReason: 'NO_AGENTS',
      queue: { decision: 'WAIT', reason: 'ALL_BUSY', position: 1, ableAgents: 1, estimatedWaitSeconds: 180 },
      skipped: [{ agent: { displayName: 'solo' }, reason: 'RESERVED' }],
    });
    expect(rang(c, one)).toEqual(['solo']);
    expect(one.outcome).toBe('ABANDONED');
    // solo was reserved: the second caller waits in the queue instead of going to voicemail…
    expect(documentShapes(two)[0]).toBe('Enqueue');
    // …and is offered solo as soon as the first caller hangs up, then answered.
    expect(rang(c, two)).toEqual(['solo']);
    expect(two.outcome).toBe('ANSWERED');
    const firstLeft = one.startedAt / 1000 + one.steps.find((s) => s.kind === 'end')!.at;
    const offered = two.startedAt / 1000 + legSteps(two).find((s) => s.status === 'initiated')!.at;
    expect(offered - firstLeft).toBeGreaterThanOrEqual(0);
    expect(offered - firstLeft).toBeLessThanOrEqual(1);
  });

  it('answered: the agent is on the call during the talk, in wrap-up after it, then available', async () => {
    const c = await company({ routing: { mode: 'RING_ALL', wrapUpSeconds: 30 }, agents: [{ name: 'wendy' }] });
    const gql = gqlAs(c);
    let duringTalk: Promise<unknown> | undefined;
    const r = await play(`call from ${CALLER} to ${c.number}; agent wendy answers after 2 s; caller talks for 60 s`, {
      agents: c.agents,
      observe: (step) => {
        if (!duringTalk && step.kind === 'callback' && step.exchange.params.CallStatus === 'in-progress') {
          duringTalk = held(async () => ({
            presence: await presenceOf(c, 'wendy'),
            preview: await preview(c),
            stats: (await gql(`query($c: ID!) { companyStats(companyId: $c) { callsActive callsRinging agents { onCall } } }`))
              .companyStats,
          }));
        }
      },
    });
    expect(await duringTalk).toEqual({
      presence: { displayName: 'wendy', status: 'AVAILABLE', statusReason: null, activeCalls: 1 },
      // Nobody free, but wendy will be: the next caller would wait in the queue.
      preview: {
        decision: 'QUEUE',
        fallbackReason: 'NO_AGENTS',
        queue: { decision: 'WAIT', reason: 'ALL_BUSY', position: 1, ableAgents: 1, estimatedWaitSeconds: 180 },
        targets: [],
        skipped: [{ agent: { displayName: 'wendy' }, reason: 'ON_CALL' }],
      },
      stats: { callsActive: 1, callsRinging: 0, agents: { onCall: 1 } },
    });
    expect(r.outcome).toBe('ANSWERED');
    expect(r.answeredBy).toBe(c.agents.wendy);
    expect(r.duration).toBe(62);
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Conference)', 'Hangup']);
    const log = await logOf(r);
    expect(log).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.agentIds.wendy, offeredAgentIds: [c.agentIds.wendy] });
    expect(log!.answeredAt!.getTime() - log!.startedAt.getTime()).toBe(2000);
    expect(log!.endedAt!.getTime() - log!.startedAt.getTime()).toBe(62_000);
    // The call is over: wrap-up for 30 s (of simulated time), then available by itself.
    await waitFor(
      () => presenceOf(c, 'wendy'),
      (p) => p.status === 'WRAP_UP' && p.activeCalls === 0,
      { what: 'wendy in wrap-up' },
    );
    expect((await preview(c)).skipped).toEqual([{ agent: { displayName: 'wendy' }, reason: 'WRAP_UP' }]);
    sim.clock!.advance(29_000);
    expect((await presenceOf(c, 'wendy')).status).toBe('WRAP_UP');
    sim.clock!.advance(1_000);
    await waitFor(
      () => presenceOf(c, 'wendy'),
      (p) => p.status === 'AVAILABLE',
      { what: 'wendy available after wrap-up' },
    );
    expect((await preview(c)).targets).toEqual([{ displayName: 'wendy' }]);
  });

  it('auto-pause: after N missed offers in a row (declined or unanswered) the agent goes on break, and calls skip it', async () => {
    const c = await company({
      routing: { mode: 'ROUND_ROBIN', ringTimeoutSeconds: 10, autoPauseAfterMisses: 2 },
      agents: [{ name: 'mia' }],
    });
    const one = await play(`call from ${CALLER} to ${c.number}; agent mia declines after 1 s; caller leaves a 2 s message`, {
      agents: c.agents,
    });
    expect(rang(c, one)).toEqual(['mia']);
    expect(await presenceOf(c, 'mia')).toMatchObject({ status: 'AVAILABLE' });
    const two = await play(`call from ${CALLER} to ${c.number}; agent mia does not answer; caller leaves a 2 s message`, {
      agents: c.agents,
    });
    expect(rang(c, two)).toEqual(['mia']);
    await waitFor(
      () => presenceOf(c, 'mia'),
      (p) => p.status === 'ON_BREAK',
      { what: 'mia paused' },
    );
    expect(await presenceOf(c, 'mia')).toMatchObject({ status: 'ON_BREAK', statusReason: 'missed 2 calls in a row' });
    expect((await preview(c)).skipped).toEqual([{ agent: { displayName: 'mia' }, reason: 'ON_BREAK' }]);
    const three = await play(`call from ${CALLER} to ${c.number}; agent mia answers after 1 s; caller leaves a 2 s message`, {
      agents: c.agents,
    });
    expect(rang(c, three)).toEqual([]);
    expect(three.outcome).toBe('VOICEMAIL');
    expect(documentShapes(three)).toEqual(['Say Record', 'Hangup']);
  });
});

describe('voicemail', () => {
  it('nobody can take the call: the voicemail is stored once, its audio on the local Telnyx, delivered to supervisors once', async () => {
    const c = await company({ agents: [{ name: 'vera', online: false }] });
    const board = subscribe(
      sim.server.ws(c.supervisor),
      `subscription($c: ID!) { voicemailReceived(companyId: $c) { callSid from to recordingUrl durationSeconds } }`,
      { c: c.companyId },
    );
    // The subscription has no snapshot: voicemails are left until it hears one, and it is live from then on.
    const warmUp: string[] = [];
    for (let i = 0; ; i++) {
      if (i === 40) throw new Error('the voicemail subscription heard none of 40 voicemails');
      const r = await play(`call from ${CALLER} to ${c.number}; caller leaves a 1 s message`);
      warmUp.push(r.callSid);
      try {
        await board.next((e) => warmUp.includes(e.voicemailReceived.callSid), 250);
        break;
      } catch {
        // not live yet: another call
      }
    }

    const r = await play(`call from +15557654321 to ${c.number}; caller leaves a 7 s message`);
    expect(r.outcome).toBe('VOICEMAIL');
    expect(rang(c, r)).toEqual([]);
    expect(documentShapes(r)).toEqual(['Say Record', 'Hangup']);
    const [greeting, recordVerb] = documentOf(fetches(r)[0]!);
    expect(greeting!.text).toBe('Sorry, nobody can take your call right now. Please leave a message after the tone.');
    expect(recordVerb!.attrs).toMatchObject({ playBeep: 'true', finishOnKey: '#' });
    expect(pathOf(recordVerb!.attrs.action!)).toBe(`/telnyx/voicemail/${c.companyId}`);
    const recording = r.steps.find((s) => s.kind === 'recording')!;
    expect(recording.kind === 'recording' && recording.duration).toBe(7);
    const recordingUrl = recording.kind === 'recording' ? recording.url : '';
    expect(recordingUrl.startsWith(`${sim.telnyx.url}/`)).toBe(true);
    // Telnyx tells the service twice (the Record action and the recording status callback): one voicemail.
    expect(r.requests.filter((q) => pathOf(q.url) === `/telnyx/voicemail/${c.companyId}`)).toHaveLength(2);
    const rows = await sim.server.database.prisma.voicemail.findMany({ where: { callSid: r.callSid } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ companyId: c.companyId, from: '+15557654321', to: c.number, recordingUrl, durationSeconds: 7 });
    const audio = await fetch(recordingUrl);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const event = await board.next((e) => e.voicemailReceived.callSid === r.callSid);
    expect(event.voicemailReceived).toEqual({ callSid: r.callSid, from: '+15557654321', to: c.number, recordingUrl, durationSeconds: 7 });
    // One more voicemail: a second delivery of the first would have come before it.
    const later = await play(`call from ${CALLER} to ${c.number}; caller leaves a 2 s message`);
    await board.next((e) => e.voicemailReceived.callSid === later.callSid);
    expect(board.events.map((e) => e.voicemailReceived.callSid).filter((sid) => !warmUp.includes(sid))).toEqual([r.callSid, later.callSid]);
    expect(await logOf(r)).toMatchObject({ outcome: 'VOICEMAIL', offeredAgentIds: [] });
    board.unsubscribe();
  });

  it('a caller who leaves no message: no voicemail, and the call still logs as voicemail', async () => {
    const c = await company({ agents: [] });
    const r = await play(`call from ${CALLER} to ${c.number}; caller leaves no message`);
    expect(r.outcome).toBe('VOICEMAIL'); // the caller reached the recorder
    expect(r.steps.some((s) => s.kind === 'recording')).toBe(false);
    expect(r.requests.some((q) => pathOf(q.url).startsWith('/telnyx/voicemail'))).toBe(false);
    expect(await sim.server.database.prisma.voicemail.count({ where: { callSid: r.callSid } })).toBe(0);
    expect(await logOf(r)).toMatchObject({ outcome: 'VOICEMAIL' });
  });

  it('the voice URL may name the company instead of leaving it to the called number', async () => {
    const c = await company({ agents: [] });
    const base = (await sim.host.applicationFor(sim.server.app.services, c.number, sim.server.url))!;
    const application = { ...base, voiceUrl: `${sim.server.url}/telnyx/voice/${c.companyId}` };
    const r = await play(`call from ${CALLER} to ${c.number}; caller leaves a 2 s message`, { application });
    expect(pathOf(fetches(r)[0]!.exchange.url)).toBe(`/telnyx/voice/${c.companyId}`);
    expect(documentShapes(r)).toEqual(['Say Record', 'Hangup']);
    expect(await sim.server.database.prisma.voicemail.count({ where: { callSid: r.callSid, companyId: c.companyId } })).toBe(1);
  });

  it('an application set to fetch with GET is refused: signed webhooks must be POSTs (a query string is not signed)', async () => {
    const c = await company({ agents: [{ name: 'gus' }] });
    const base = (await sim.host.applicationFor(sim.server.app.services, c.number, sim.server.url))!;
    const r = await sim.clock!.run(start(`call from ${CALLER} to ${c.number}`, { application: { ...base, voiceMethod: 'GET' } }));
    expect(fetches(r).map((f) => [f.exchange.method, f.exchange.status])).toEqual([['GET', 405]]);
    expect(r.errors.join('\n')).toMatch(/answered 405/);
    expect(await logOf(r)).toBeNull();
  });
});

describe('language menu and skills', () => {
  const menu = [
    { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
    { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
  ];
  let c: SimulatedCompany;
  let spanishLine: string;
  beforeAll(async () => {
    c = await company({
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: 10, languageMenu: menu },
      agents: [
        { name: 'eve', skills: [{ name: 'en', level: 9 }] },
        {
          name: 'sol',
          skills: [
            { name: 'es', level: 8 },
            { name: 'en', level: 3 },
          ],
        },
      ],
    });
    spanishLine = nextNumber();
    await sim.server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: c.companyId, e164: spanishLine, requiredSkills: 'es>=5' },
    });
  });

  it('press 2: the menu in each language, then only the Spanish speakers ring', async () => {
    const r = await play(
      `call from ${CALLER} to ${c.number}; press 2; agent eve answers after 1 s; agent sol answers after 2 s; caller talks for 5 s`,
      {
        agents: c.agents,
      },
    );
    expect(documentShapes(r)).toEqual(['Gather(Say) Redirect', 'Dial(Sip)', 'Dial(Conference)', 'Hangup']);
    const [gather, redirect] = documentOf(fetches(r)[0]!);
    expect(gather!.attrs).toMatchObject({ numDigits: '1', validDigits: '12', timeout: String(MENU_TIMEOUT_SECONDS) });
    expect(pathOf(gather!.attrs.action!)).toBe(`/telnyx/language/${c.companyId}`);
    expect(gather!.children.map((s) => [s.attrs.language, s.text])).toEqual([
      ['en-US', 'For English, press 1.'],
      ['es-US', 'Para español, oprima 2.'],
    ]);
    expect(pathOf(redirect!.text)).toBe(`/telnyx/language/${c.companyId}`);
    const chosen = fetches(r)[1]!;
    expect(chosen.purpose).toBe('Gather action');
    expect(chosen.exchange.params.Digits).toBe('2');
    expect(rang(c, r)).toEqual(['sol']);
    expect(r.answeredBy).toBe(c.agents.sol);
    expect(await logOf(r)).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: c.agentIds.sol, offeredAgentIds: [c.agentIds.sol] });
  });

  it('no key: the menu times out and everyone rings', async () => {
    const r = await play(
      `call from ${CALLER} to ${c.number}; agent eve does not answer; agent sol does not answer; caller leaves a 2 s message`,
      {
        agents: c.agents,
      },
    );
    expect(documentShapes(r)).toEqual(['Gather(Say) Redirect', 'Dial(Sip)', 'Say Record', 'Hangup']);
    expect(fetches(r)[1]!.purpose).toBe('Redirect');
    expect(fetches(r)[1]!.exchange.params.Digits).toBeUndefined();
    expect(rang(c, r).sort()).toEqual(['eve', 'sol']);
    expect(r.outcome).toBe('VOICEMAIL');
  });

  it('a number whose skills name a menu language skips the menu and rings only those speakers', async () => {
    const r = await play(
      `call from ${CALLER} to ${spanishLine}; agent eve answers after 1 s; agent sol answers after 2 s; caller talks for 5 s`,
      {
        agents: c.agents,
      },
    );
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Conference)', 'Hangup']);
    expect(rang(c, r)).toEqual(['sol']);
    expect(r.answeredBy).toBe(c.agents.sol);
  });

  it('a caller who hangs up during the menu is abandoned, not left waiting', async () => {
    const r = await play(`call from ${CALLER} to ${c.number}; caller hangs up at 3 s`, { agents: c.agents });
    expect(documentShapes(r)).toEqual(['Gather(Say) Redirect']);
    expect(r.outcome).toBe('ABANDONED');
    expect(await logOf(r)).toMatchObject({ outcome: 'ABANDONED', offeredAgentIds: [] });
    const stats = await gqlAs(c)(`query($c: ID!) { companyStats(companyId: $c) { callsWaiting callsRinging } }`);
    expect(stats.companyStats).toEqual({ callsWaiting: 0, callsRinging: 0 });
  });

  it('hold: nobody with the skill → the hold prompt, a pause and a redirect, again, then everyone after widenAfterSeconds', async () => {
    const held30 = await company({
      routing: { mode: 'SEQUENTIAL', widenAfterSeconds: 30 },
      numberSkills: 'fr',
      agents: [{ name: 'ray', skills: [{ name: 'en' }] }],
    });
    const gql = gqlAs(held30);
    let onHold: Promise<unknown> | undefined;
    const r = await play(`call from ${CALLER} to ${held30.number}; agent ray answers after 2 s; caller talks for 5 s`, {
      agents: held30.agents,
      observe: (step) => {
        if (!onHold && step.kind === 'verb' && step.verb === 'Pause') {
          onHold = held(
            async () => (await gql(`query($c: ID!) { companyStats(companyId: $c) { callsWaiting callsRinging } }`)).companyStats,
          );
        }
      },
    });
    expect(await onHold).toEqual({ callsWaiting: 1, callsRinging: 0 });
    const shapes = documentShapes(r);
    expect(shapes.slice(0, 2)).toEqual(['Say Pause Redirect', 'Say Pause Redirect']);
    expect(shapes.slice(-3)).toEqual(['Dial(Sip)', 'Dial(Conference)', 'Hangup']);
    const [prompt, pause, redirect] = documentOf(fetches(r)[0]!);
    expect(prompt!.text).toBe(HOLD_PROMPT);
    expect(pause!.attrs.length).toBe('20');
    expect(pathOf(redirect!.text)).toBe(`/telnyx/voice/${held30.companyId}`);
    expect(fetches(r)[1]!.purpose).toBe('Redirect');
    expect(dialedAt(r)[0]).toBeGreaterThanOrEqual(30); // widened only once the call was 30 s old
    expect(rang(held30, r)).toEqual(['ray']);
    expect(r.answeredBy).toBe(held30.agents.ray);
    expect(await logOf(r)).toMatchObject({ outcome: 'ANSWERED', answeredAgentId: held30.agentIds.ray });
  });
});

describe('holding', () => {
  it('a caller who hangs up on hold is abandoned, and no longer counted as waiting', async () => {
    const c = await company({
      routing: { mode: 'SEQUENTIAL', widenAfterSeconds: 120 },
      numberSkills: 'fr',
      agents: [{ name: 'ray', skills: [{ name: 'en' }] }],
    });
    const r = await play(`call from ${CALLER} to ${c.number}; agent ray answers after 1 s; caller hangs up at 50 s`, { agents: c.agents });
    expect(new Set(documentShapes(r))).toEqual(new Set(['Say Pause Redirect']));
    expect(rang(c, r)).toEqual([]);
    expect(r.outcome).toBe('ABANDONED');
    expect(await logOf(r)).toMatchObject({ outcome: 'ABANDONED', offeredAgentIds: [] });
    const stats = await gqlAs(c)(`query($c: ID!) { companyStats(companyId: $c) { callsWaiting missedToday } }`);
    expect(stats.companyStats).toEqual({ callsWaiting: 0, missedToday: 1 });
  });
});

describe('fallbacks', () => {
  /** Closed all of today and tomorrow (simulated time, UTC), open otherwise. */
  function closedNow() {
    const day = (offset: number) => new Date(sim.clock!.now() + offset * 86_400_000).toISOString().slice(0, 10);
    return {
      timeZone: 'UTC',
      weekly: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'].map((d) => ({ day: d, open: '00:00', close: '24:00' })),
      closures: [
        { date: day(0), name: 'Holiday' },
        { date: day(1), name: 'Holiday' },
      ],
    };
  }

  it('after hours, voicemail: the after-hours greeting and the recorder; the service logs AFTER_HOURS', async () => {
    const c = await company({
      routing: { mode: 'RING_ALL', afterHoursGreeting: 'We are closed for the holiday.', businessHours: closedNow() },
      agents: [{ name: 'hal' }],
    });
    const r = await play(`call from ${CALLER} to ${c.number}; agent hal answers after 1 s; caller leaves a 3 s message`, {
      agents: c.agents,
    });
    expect(rang(c, r)).toEqual([]);
    expect(documentShapes(r)).toEqual(['Say Record', 'Hangup']);
    expect(documentOf(fetches(r)[0]!)[0]!.text).toBe('We are closed for the holiday.');
    expect(r.outcome).toBe('VOICEMAIL'); // on the wire it is a voicemail; only the service knows why
    expect(await logOf(r)).toMatchObject({ outcome: 'AFTER_HOURS', offeredAgentIds: [] });
    expect(await sim.server.database.prisma.voicemail.count({ where: { callSid: r.callSid } })).toBe(1);
    expect(await preview(c)).toMatchObject({ decision: 'FALLBACK', fallbackReason: 'AFTER_HOURS' });
  });

  it('after hours, HANGUP: the greeting, then the call is hung up; the service logs AFTER_HOURS', async () => {
    const c = await company({
      routing: { mode: 'RING_ALL', afterHoursKind: 'HANGUP', afterHoursGreeting: 'We open at nine.', businessHours: closedNow() },
      agents: [{ name: 'hal' }],
    });
    const r = await play(`call from ${CALLER} to ${c.number}; agent hal answers after 1 s`, { agents: c.agents });
    expect(rang(c, r)).toEqual([]);
    expect(documentShapes(r)).toEqual(['Say Hangup']);
    expect(documentOf(fetches(r)[0]!)[0]!.text).toBe('We open at nine.');
    expect(r.outcome).toBe('HUNG_UP');
    expect(await logOf(r)).toMatchObject({ outcome: 'AFTER_HOURS' });
  });

  it('HANGUP fallback: nobody answers → the greeting, then the call is hung up; logged HUNG_UP, not voicemail', async () => {
    const c = await company({
      routing: {
        mode: 'SEQUENTIAL',
        ringTimeoutSeconds: 10,
        fallbackKind: 'HANGUP',
        voicemailGreeting: 'Nobody is free now; please call again.',
      },
      agents: [{ name: 'hugo' }],
    });
    const r = await play(`call from ${CALLER} to ${c.number}; agent hugo does not answer`, { agents: c.agents });
    expect(rang(c, r)).toEqual(['hugo']);
    expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Say Hangup']);
    expect(documentOf(fetches(r)[1]!)[0]!.text).toBe('Nobody is free now; please call again.');
    expect(r.outcome).toBe('HUNG_UP');
    expect(await logOf(r)).toMatchObject({ outcome: 'HUNG_UP', offeredAgentIds: [c.agentIds.hugo] });
    const stats = await gqlAs(c)(`query($c: ID!) { companyStats(companyId: $c) { missedToday } }`);
    expect(stats.companyStats.missedToday).toBe(1);
  });

  describe('forward to the fallback number', () => {
    const FORWARD = '+34911234567';
    let c: SimulatedCompany;
    beforeAll(async () => {
      c = await company({
        routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 10, fallbackKind: 'NUMBER', fallbackNumber: FORWARD },
        agents: [{ name: 'ana' }],
      });
    });

    it('the number answers: FORWARDED', async () => {
      const r = await play(
        `call from ${CALLER} to ${c.number}; agent ana does not answer; number ${FORWARD} answers after 3 s; caller talks for 5 s`,
        {
          agents: c.agents,
        },
      );
      expect(rang(c, r)).toEqual(['ana', FORWARD]);
      expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Number)', 'Hangup']);
      const forward = documentOf(fetches(r)[1]!)[0]!;
      expect(forward.children[0]!.text).toBe(FORWARD);
      expect(new URL(forward.attrs.action!).searchParams.get('step')).toBe('forward');
      expect(r.outcome).toBe('FORWARDED');
      expect(r.answeredBy).toBe(FORWARD);
      expect(await logOf(r)).toMatchObject({ outcome: 'FORWARDED', offeredAgentIds: [c.agentIds.ana], answeredAgentId: null });
    });

    it('the number does not answer: voicemail, not round again', async () => {
      const r = await play(
        `call from ${CALLER} to ${c.number}; agent ana does not answer; number ${FORWARD} does not answer; caller leaves a 3 s message`,
        { agents: c.agents },
      );
      expect(rang(c, r)).toEqual(['ana', FORWARD]);
      expect(documentShapes(r)).toEqual(['Dial(Sip)', 'Dial(Number)', 'Say Record', 'Hangup']);
      expect(await sim.server.database.prisma.voicemail.count({ where: { callSid: r.callSid } })).toBe(1);
      // The wire calls a dialed <Number> a forward, and the service logged the forward when it decided it.
      expect(r.outcome).toBe('FORWARDED');
      expect(await logOf(r)).toMatchObject({ outcome: 'FORWARDED' });
    });
  });

  it('an unknown number: an apology, then the call is hung up', async () => {
    const application: TexmlApplication = { voiceUrl: `${sim.server.url}/telnyx/voice`, voiceMethod: 'POST' };
    const r = await play(`call from ${CALLER} to +19998887777`, { application });
    expect(documentShapes(r)).toEqual(['Say Hangup']);
    expect(documentOf(fetches(r)[0]!)[0]!.text).toBe(DEFAULT_APOLOGY);
    expect(r.outcome).toBe('HUNG_UP');
    expect(await logOf(r)).toBeNull();
  });
});

/**
 * Every document shape the service emits, each met by a scenario above: it runs last and needs the
 * whole file (alone, with -t, it fails). A shape not in the catalogue fails too: a new document
 * needs a scenario and a line here.
 */
describe('every TeXML shape the service emits', () => {
  const hangupAfterAnswer = (d: SeenDocument) => d.purpose === 'Dial action' && d.params.DialCallStatus === 'completed';
  const saysApology = (d: SeenDocument) => d.verbs[0]?.text === DEFAULT_APOLOGY;
  const CATALOGUE: { name: string; shape: string; where?: (d: SeenDocument) => boolean }[] = [
    { name: 'ring (Dial/Sip)', shape: 'Dial(Sip)' },
    { name: 'hold (Say, Pause, Redirect)', shape: 'Say Pause Redirect' },
    { name: 'language menu (Gather+Say, Redirect)', shape: 'Gather(Say) Redirect' },
    { name: 'voicemail (Say, Record)', shape: 'Say Record' },
    { name: 'forward (Dial/Number)', shape: 'Dial(Number)' },
    { name: 'the caller joins the call’s room after the answer (Dial/Conference)', shape: 'Dial(Conference)', where: hangupAfterAnswer },
    { name: 'hang-up when the caller leaves the room (Hangup)', shape: 'Hangup', where: hangupAfterAnswer },
    { name: 'HANGUP fallback (Say, Hangup)', shape: 'Say Hangup', where: (d) => !saysApology(d) },
    { name: 'apology (Say, Hangup)', shape: 'Say Hangup', where: saysApology },
    // The queue (its own scenarios are in queue-scenarios.test.ts): a caller nobody is free for waits.
    { name: 'wait in the queue (Enqueue)', shape: 'Enqueue' },
    { name: 'a round of the wait (Gather+Say+Play)', shape: 'Gather(Say,Play)' },
    { name: 'the Enqueue action after an offer (nothing: Telnyx ignores it)', shape: '', where: (d) => d.purpose === 'Enqueue action' },
  ];

  it('the scenarios met each of them, and nothing else', () => {
    const missing = CATALOGUE.filter((entry) => !seen.some((d) => d.shape === entry.shape && (entry.where?.(d) ?? true)));
    const known = new Set(CATALOGUE.map((entry) => entry.shape));
    const unknown = [...new Set(seen.filter((d) => !known.has(d.shape)).map((d) => `${d.shape} (${d.purpose} in "${d.scenario}")`))];
    const distinct = [...new Set(seen.map((d) => d.shape))].sort();
    expect(
      missing.map((m) => m.name),
      `no scenario met: ${missing.map((m) => m.name).join(', ')}; seen: ${distinct.join(' | ')}`,
    ).toEqual([]);
    expect(unknown, `shapes no catalogue entry names: ${unknown.join(', ')}`).toEqual([]);
  });
});

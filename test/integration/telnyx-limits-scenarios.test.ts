/**
 * Telnyx's own rules, proven by whole calls through the local Telnyx (src/simulator) on virtual time:
 * at most MAX_DIAL_TARGETS `<Sip>` nouns in one `<Dial>` (each is a dial against the account's
 * dials-per-second limit; the rest ring in the next step), voicemail recorded mono (the recording
 * callback's RecordingChannels=1), and the forward to the fallback number presenting the company's
 * number as its caller ID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneKey } from '../../src/simulator/scripted-phones.js';
import { readTexml, type TexmlNode } from '../../src/simulator/texml-reader.js';
import { type CallResult, formatStep, type Step } from '../../src/simulator/transcript.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

const CALLER = '+15551230000';
let sim: Simulation;
let numbers = 0;
const nextNumber = () => `+1305557${String(1000 + ++numbers)}`;

beforeAll(async () => {
  sim = await startSimulation({ env: { MAX_DIAL_TARGETS: '5' } });
});
afterAll(() => sim?.close());

type FetchStep = Extract<Step, { kind: 'fetch' }>;

/** The TeXML documents the call fetched, in order. */
function documents(r: CallResult): TexmlNode[][] {
  return r.steps
    .filter((s): s is FetchStep => s.kind === 'fetch')
    .map((f) => {
      const read = readTexml(f.exchange.body);
      if (!read.ok) throw new Error(read.errors.join('; '));
      return read.verbs;
    });
}

function played(r: CallResult): CallResult {
  if (process.env.SHOW_TRANSCRIPTS) console.log(r.steps.map(formatStep).join('\n'));
  if (r.errors.length) throw new Error(`the call went wrong:\n${r.errors.join('\n')}\n${r.steps.map(formatStep).join('\n')}`);
  return r;
}

describe('MAX_DIAL_TARGETS=5', () => {
  const names = Array.from({ length: 12 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);

  it('RING_ALL with 12 agents: Dials of 5, 5 and 2 Sip nouns, each agent once, then voicemail', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: 10, maxHuntSeconds: 120 },
      agents: names.map((name, i) => ({ name, position: i + 1 })),
    });
    const byName = Object.fromEntries(Object.entries(c.agents).map(([name, sip]) => [sip, name]));
    const r = played(
      await sim.call(
        `call from ${CALLER} to ${c.number}; ${names.map((n) => `agent ${n} does not answer`).join('; ')}; caller leaves a 2 s message`,
        { agents: c.agents },
      ),
    );
    const dials = documents(r).filter((verbs) => verbs[0]?.name === 'Dial');
    const rungPerDial = dials.map((verbs) => verbs[0]!.children.map((sip) => byName[phoneKey(sip.text)]));
    expect(rungPerDial).toEqual([names.slice(0, 5), names.slice(5, 10), names.slice(10)]);
    expect(dials.every((verbs) => verbs[0]!.children.every((n) => n.name === 'Sip'))).toBe(true);
    expect(r.outcome).toBe('VOICEMAIL');
    await sim.server.app.services.calls.log.flush();
    const log = await sim.server.database.prisma.callLog.findFirst({ where: { callSid: r.callSid } });
    expect(log!.offeredAgentIds).toEqual(names.map((n) => c.agentIds[n]));
  });

  it('the second group answers: the call is answered by an agent the first Dial could not hold', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'RING_ALL', ringTimeoutSeconds: 10 },
      agents: names.slice(0, 7).map((name, i) => ({ name, position: i + 1 })),
    });
    const r = played(
      await sim.call(
        `call from ${CALLER} to ${c.number}; ${names
          .slice(0, 5)
          .map((n) => `agent ${n} does not answer`)
          .join('; ')}; agent a06 does not answer; agent a07 answers after 3 s; caller talks for 5 s`,
        { agents: c.agents },
      ),
    );
    // Dial, Dial, then the answered call's room (Dial/Conference), then Hangup as the caller leaves it.
    expect(documents(r).map((verbs) => verbs[0]!.children.length)).toEqual([5, 2, 1, 0]);
    expect(r.outcome).toBe('ANSWERED');
    expect(r.answeredBy).toBe(c.agents.a07);
  });

  it('routePreview shows the 5 that would ring and why the others wait (DIAL_LIMIT)', async () => {
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'AUTO' },
      agents: names.slice(0, 8).map((name) => ({ name })),
    });
    const res = await sim.server.gql(
      `query($c: ID!) { routePreview(companyId: $c) { targets { displayName } skipped { agent { displayName } reason detail } texml } }`,
      { c: c.companyId },
      c.supervisor,
    );
    expect(res.errors).toBeUndefined();
    const preview = res.data.routePreview;
    expect(preview.targets.map((t: { displayName: string }) => t.displayName)).toEqual(names.slice(0, 5));
    expect(preview.skipped).toEqual(
      names.slice(5, 8).map((displayName) => ({
        agent: { displayName },
        reason: 'DIAL_LIMIT',
        detail: 'rings in a later step: at most 5 agents ring at once (MAX_DIAL_TARGETS)',
      })),
    );
    expect(preview.texml.match(/<Sip /g)).toHaveLength(5);
  });
});

describe('voicemail', () => {
  it('is recorded mono: <Record channels="single">, and Telnyx reports RecordingChannels=1', async () => {
    const c = await sim.company({ number: nextNumber(), agents: [] });
    const r = played(await sim.call(`call from ${CALLER} to ${c.number}; caller leaves a 3 s message`));
    const record = documents(r)[0]!.find((v) => v.name === 'Record')!;
    expect(record.attrs.channels).toBe('single');
    // The recording status callback carries RecordingChannels (the Record action request does not).
    const recordingCallbacks = r.requests.filter(
      (q) => new URL(q.url).pathname.startsWith('/telnyx/voicemail') && q.params.RecordingSource,
    );
    expect(recordingCallbacks.map((q) => q.params.RecordingChannels)).toEqual(['1']);
    expect(sim.telnyx.media.list({ callSid: r.callSid }).map((m) => m.channels)).toEqual([1]);
    const stored = await sim.server.database.prisma.voicemail.findFirst({ where: { callSid: r.callSid } });
    expect(stored).toMatchObject({ durationSeconds: 3 });
  });
});

describe('the forward to the fallback number', () => {
  it("presents the company's number that was called as its caller ID, not the caller's", async () => {
    const FORWARD = '+34911234567';
    const c = await sim.company({
      number: nextNumber(),
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 10, fallbackKind: 'NUMBER', fallbackNumber: FORWARD },
      agents: [{ name: 'ana' }],
    });
    const r = played(
      await sim.call(
        `call from ${CALLER} to ${c.number}; agent ana does not answer; number ${FORWARD} answers after 2 s; caller talks for 3 s`,
        {
          agents: c.agents,
        },
      ),
    );
    const forward = documents(r)[1]![0]!;
    expect(forward.children.map((n) => [n.name, n.text])).toEqual([['Number', FORWARD]]);
    expect(forward.attrs.callerId).toBe(c.number);
    expect(documents(r)[0]![0]!.attrs.callerId).toBeUndefined(); // the agents' Dial is left as it was
    expect(r.outcome).toBe('FORWARDED');
  });
});

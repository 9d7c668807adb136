/**
 * CRM webhooks from whole calls played through the local Telnyx: one company, two endpoints. One
 * never answers (every request hangs for the whole test): calls still complete as usual and as fast.
 * The other gets each call's events in order (started, a ringing per step, answered, ended with the
 * outcome and timeline) and the voicemail with `transcription: null`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/simulator/transcript.js';
import { waitFor } from '../support/harness.js';
import { type SimulatedCompany, type Simulation, startSimulation } from '../support/simulation.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

let sim: Simulation;
let a: SimulatedCompany;
let dead: WebhookReceiver;
let live: WebhookReceiver;
const calls = {} as Record<'answered' | 'voicemail', CallResult & { wallMs: number }>;

const ALL = [
  'CALL_STARTED',
  'CALL_RINGING',
  'CALL_ANSWERED',
  'CALL_ENDED',
  'VOICEMAIL_RECEIVED',
  'VOICEMAIL_TRANSCRIBED',
  'AGENT_PRESENCE_CHANGED',
  'AGENT_STATUS_CHANGED',
];

async function endpoint(url: string) {
  await sim.server.admin(
    `mutation($c: ID!, $u: String!, $e: [WebhookEventType!]!) { createWebhookEndpoint(input: { companyId: $c, url: $u, events: $e }) { secret } }`,
    { c: a.companyId, u: url, e: ALL },
  );
}

async function timed(scenario: string): Promise<CallResult & { wallMs: number }> {
  const started = performance.now();
  const result = await sim.call(scenario, { agents: a.agents });
  return { ...result, wallMs: performance.now() - started };
}

/** The live endpoint's events about one call, once its call.ended has arrived. */
async function eventsOf(callSid: string): Promise<ReceivedWebhook[]> {
  await sim.server.app.services.webhooks.events.flush();
  await waitFor(() => live.received.some((r) => r.json.type === 'call.ended' && r.json.data.callSid === callSid), Boolean, {
    what: `call.ended of ${callSid}`,
  });
  return live.received.filter((r) => r.json.data.callSid === callSid);
}

beforeAll(async () => {
  dead = await startWebhookReceiver();
  dead.hangAll();
  live = await startWebhookReceiver();
  // The dead endpoint's attempts would hang for a minute each: the call must not notice.
  sim = await startSimulation({ env: { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '60000' } });
  a = await sim.company({
    number: '+13055557101',
    routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 15 },
    agents: [
      { name: 'ana', tier: 1, position: 0 },
      { name: 'ben', tier: 1, position: 1 },
    ],
  });
  await endpoint(dead.url);
  await endpoint(live.url);
  calls.answered = await timed(
    `call from +15550001001 to ${a.number}; agent ana does not answer; agent ben answers after 3 s; caller talks for 20 s`,
  );
  calls.voicemail = await timed(
    `call from +15550002002 to ${a.number}; agent ana does not answer; agent ben does not answer; caller leaves a 4 s message`,
  );
}, 120_000);

afterAll(async () => {
  await dead?.close(); // ends the hanging requests, so the service stops at once
  await live?.close();
  await sim?.close();
});

describe('a dead endpoint', () => {
  it('holds requests open while calls complete as usual', async () => {
    expect(calls.answered).toMatchObject({ outcome: 'ANSWERED', errors: [] });
    expect(calls.voicemail).toMatchObject({ outcome: 'VOICEMAIL', errors: [] });
    // Requests to it were in flight (hanging) while the calls played…
    expect(dead.received.length).toBeGreaterThan(0);
    expect(dead.received.every((r) => r.reply === 'hang')).toBe(true);
    expect(sim.server.app.services.webhooks.dispatcher.busy).toBeGreaterThan(0);
    // …and each whole call (tens of virtual seconds) still played in a few real seconds, far below the 60 s a hanging attempt lasts.
    expect(calls.answered.wallMs).toBeLessThan(10_000);
    expect(calls.voicemail.wallMs).toBeLessThan(10_000);
  });

  it('is held to its concurrency limit: the other endpoint is served meanwhile', async () => {
    expect(dead.received.length).toBeLessThanOrEqual(4);
    await eventsOf(calls.answered.callSid);
  });
});

describe('the live endpoint', () => {
  it("gets an answered call's events in order: started, a ringing per step, answered, ended with outcome and timeline", async () => {
    const events = await eventsOf(calls.answered.callSid);
    expect(events.map((e) => e.json.type)).toEqual(['call.started', 'call.ringing', 'call.ringing', 'call.answered', 'call.ended']);
    const [started, ringAna, ringBen, answered, ended] = events.map((e) => e.json);
    expect(new Set(events.map((e) => e.json.id)).size).toBe(5);
    expect(started!.data).toMatchObject({ callSid: calls.answered.callSid, from: '+15550001001', to: a.number, direction: 'inbound' });
    expect(ringAna!.data.agentIds).toEqual([a.agentIds.ana]);
    expect(ringBen!.data.agentIds).toEqual([a.agentIds.ben]);
    expect(answered!.data).toMatchObject({ agentId: a.agentIds.ben });
    expect(ended!.data).toMatchObject({
      outcome: 'ANSWERED',
      answeredAgentId: a.agentIds.ben,
      offeredAgentIds: [a.agentIds.ana, a.agentIds.ben],
      talkSeconds: 20,
    });
    expect(
      ended!.data.timeline.map((e: { kind: string; agentId: string | null }) => `${e.kind}${e.agentId ? `:${e.agentId}` : ''}`),
    ).toEqual([
      'arrived',
      `offered:${a.agentIds.ana}`,
      `missed:${a.agentIds.ana}`,
      `offered:${a.agentIds.ben}`,
      `answered:${a.agentIds.ben}`,
      'ended',
    ]);
    expect(ended!.companyId).toBe(a.companyId);
  });

  it('gets a voicemail call: ended with VOICEMAIL, voicemail.received with transcription null, then voicemail.transcribed with the text', async () => {
    const events = await eventsOf(calls.voicemail.callSid);
    const ended = events.find((e) => e.json.type === 'call.ended')!.json;
    expect(ended.data.outcome).toBe('VOICEMAIL');
    const vm = await waitFor(
      () => live.received.find((r) => r.json.type === 'voicemail.received' && r.json.data.callSid === calls.voicemail.callSid),
      Boolean,
      { what: 'voicemail.received' },
    );
    expect(vm!.json.data).toMatchObject({
      callSid: calls.voicemail.callSid,
      from: '+15550002002',
      durationSeconds: 4,
      transcription: null,
    });
    expect(vm!.json.data.recordingUrl).toMatch(/^https?:\/\//);
    const transcribed = await waitFor(
      () => live.received.find((r) => r.json.type === 'voicemail.transcribed' && r.json.data.callSid === calls.voicemail.callSid),
      Boolean,
      { what: 'voicemail.transcribed' },
    );
    expect(transcribed!.json.data).toMatchObject({
      voicemailId: vm!.json.data.voicemailId,
      transcription: expect.stringMatching(/message of 4 seconds from \+15550002002/),
    });
    // The same call's events, in order: the transcription after the voicemail.
    const order = live.received.filter((r) => r.json.data.callSid === calls.voicemail.callSid).map((r) => r.json.type);
    expect(order.indexOf('voicemail.transcribed')).toBeGreaterThan(order.indexOf('voicemail.received'));
  });

  it("gets an agent's status changes", async () => {
    await a.setStatus('ana', 'ON_BREAK', 'Lunch');
    await a.setStatus('ana', 'AVAILABLE');
    await sim.server.app.services.webhooks.events.flush();
    const changes = await waitFor(
      () => live.received.filter((r) => r.json.type === 'agent.status_changed' && r.json.data.agentId === a.agentIds.ana),
      (list) => list.length === 2,
      { what: "ana's two status changes" },
    );
    expect(changes.map((r) => [r.json.data.status, r.json.data.reason, r.json.data.online])).toEqual([
      ['ON_BREAK', 'Lunch', true],
      ['AVAILABLE', null, true],
    ]);
  });
});

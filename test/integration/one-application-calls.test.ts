/**
 * Whole calls through the local Telnyx with ONE TeXML application for every company, as the README
 * recommends: its Voice URL is `/telnyx/voice` and its Call progress events URL `/telnyx/status`,
 * neither naming a company (the simulation runs the service in signed mode with the simulator's key).
 * The call's own status callback must still find the call's company — from its session — so that a
 * caller who hangs up is logged ABANDONED and stops counting as waiting (defect D5: this route
 * answered 404 without a company, and the simulator fails a call on any non-200 answer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

type Exchange = Extract<Step, { kind: 'callback' }>['exchange'];

let sim: Simulation;
beforeAll(async () => {
  sim = await startSimulation();
});
afterAll(() => sim?.close());

const CALLER = '+15551230000';

/** The one application: the service's company-less voice and status URLs. */
const oneApplication = () => ({
  voiceUrl: `${sim.server.url}/telnyx/voice`,
  statusCallback: `${sim.server.url}/telnyx/status`,
  statusCallbackMethod: 'POST' as const,
});

/** The call's own status callbacks (Call progress events URL), not the agents' legs. */
function callStatusCallbacks(r: CallResult): Exchange[] {
  return r.steps.flatMap((s) => (s.kind === 'callback' && s.purpose === 'call status' ? [s.exchange] : []));
}

async function logOf(r: CallResult) {
  await sim.server.app.services.calls.log.flush();
  return sim.server.database.prisma.callLog.findFirst({ where: { callSid: r.callSid }, select: { outcome: true, companyId: true } });
}

describe('one TeXML application for every company (status callback URL without a company)', () => {
  it('a caller who hangs up while the agent rings is logged ABANDONED; the status callback is answered 200', async () => {
    const c = await sim.company({
      number: '+13055557001',
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 20 },
      agents: [{ name: 'ida' }],
    });
    const r = await sim.call(`call from ${CALLER} to ${c.number}; agent ida does not answer; caller hangs up at 5 s`, {
      agents: c.agents,
      application: oneApplication(),
    });
    expect(r.outcome).toBe('ABANDONED');
    const [status] = callStatusCallbacks(r);
    expect(new URL(status!.url).pathname).toBe('/telnyx/status');
    expect(status!.params.ParentCallSid).toBeUndefined();
    expect(status!.status).toBe(200);
    expect(await logOf(r)).toEqual({ outcome: 'ABANDONED', companyId: c.companyId });
  });

  it('a caller who hangs up on hold: only the call status callback says so, and it is logged ABANDONED', async () => {
    // Nobody with the skill the number needs: the caller holds (Say, Pause, Redirect), no Dial ever
    // ends, so the call's own status callback is the only word that the caller left.
    const c = await sim.company({
      number: '+13055557002',
      routing: { mode: 'SEQUENTIAL', widenAfterSeconds: 120 },
      numberSkills: 'fr',
      agents: [{ name: 'rui', skills: [{ name: 'en' }] }],
    });
    const r = await sim.call(`call from ${CALLER} to ${c.number}; caller hangs up at 30 s`, {
      agents: c.agents,
      application: oneApplication(),
    });
    expect(r.requests.every((q) => !new URL(q.url).pathname.startsWith('/telnyx/dial-complete'))).toBe(true);
    expect(callStatusCallbacks(r).map((e) => [new URL(e.url).pathname, e.status])).toEqual([['/telnyx/status', 200]]);
    expect(await logOf(r)).toEqual({ outcome: 'ABANDONED', companyId: c.companyId });
    const stats = await sim.server.gql(`query($c: ID!) { companyStats(companyId: $c) { callsWaiting } }`, { c: c.companyId }, c.supervisor);
    expect(stats.data.companyStats).toEqual({ callsWaiting: 0 });
  });
});

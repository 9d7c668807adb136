/**
 * The in-call controls without a DOM: which buttons the pushed call state allows (table-driven), how
 * parties are named, E.164 checked in the page as the server checks it, and the softphone's and the
 * board's controllers sending the right operation (or refusing before any request, in plain words).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../web/src/api.js';
import { createLiveCallsController, softphoneKey } from '../../web/src/board/live-calls.js';
import { checkE164 } from '../../web/src/phone.js';
import { createSoftphoneController } from '../../web/src/softphone/controller.js';
import { timerClock } from '../../web/src/softphone/heartbeat-clock.js';
import {
  callControls,
  type LiveCall,
  type LiveParty,
  myLiveCall,
  partyFlags,
  partyName,
  targetOf,
} from '../../web/src/softphone/in-call.js';

const party = (p: Partial<LiveParty> & Pick<LiveParty, 'label' | 'role'>): LiveParty => ({
  agentId: null,
  number: null,
  status: 'CONNECTED',
  held: false,
  muted: false,
  supervise: null,
  joinedAt: null,
  ...p,
});

const call = (parties: LiveParty[], over: Partial<LiveCall> = {}): LiveCall => ({
  callSid: 'CA1',
  from: '+13055550111',
  to: '+13055550100',
  state: 'TALKING',
  startedAt: '2026-01-01T00:00:00.000Z',
  answeredAt: '2026-01-01T00:00:05.000Z',
  agentId: 'ana',
  controllable: true,
  recording: 'OFF',
  parties,
  ...over,
});

const caller = (over: Partial<LiveParty> = {}) => party({ label: 'caller', role: 'CALLER', number: '+13055550111', ...over });
const ana = party({ label: 'agent-ana', role: 'AGENT', agentId: 'ana' });

describe('call controls follow the pushed state', () => {
  it.each([
    ['talking', call([caller(), ana]), { hold: true, resume: false, transfer: true, consult: true, complete: false, cancelConsult: false }],
    ['held', call([caller({ held: true }), ana], { state: 'HELD' }), { hold: false, resume: true, transfer: true, consult: true }],
    [
      'consult ringing',
      call([caller({ held: true }), ana, party({ label: 'consult-1', role: 'CONSULT', agentId: 'ben', status: 'RINGING' })], {
        state: 'CONSULTING',
      }),
      { hold: false, resume: false, transfer: false, consult: false, complete: false, merge: false, cancelConsult: true },
    ],
    [
      'consult answered',
      call([caller({ held: true }), ana, party({ label: 'consult-1', role: 'CONSULT', agentId: 'ben' })], { state: 'CONSULTING' }),
      { complete: true, merge: true, cancelConsult: true, drop: ['consult-1'] },
    ],
  ] as const)('%s', (_name, c, expected) => {
    expect(callControls(c, 'ana')).toMatchObject(expected);
  });

  it('recording moves OFF → start, RECORDING → pause/stop, PAUSED → resume/stop', () => {
    expect(callControls(call([caller(), ana]), 'ana').record).toEqual(['START']);
    expect(callControls(call([caller(), ana], { recording: 'RECORDING' }), 'ana').record).toEqual(['PAUSE', 'STOP']);
    expect(callControls(call([caller(), ana], { recording: 'PAUSED' }), 'ana').record).toEqual(['RESUME', 'STOP']);
  });

  it('a consulted agent, a supervisor, a call not yet in its room, or a caller gone: no room commands', () => {
    const consulting = call([caller({ held: true }), ana, party({ label: 'consult-1', role: 'CONSULT', agentId: 'ben' })]);
    expect(callControls(consulting, 'ben').handling).toBe(false);
    const supervised = call([caller(), ana, party({ label: 'supervisor-2', role: 'SUPERVISOR', agentId: 'sue', supervise: 'WHISPER' })]);
    expect(callControls(supervised, 'sue').handling).toBe(false);
    expect(callControls(call([caller(), ana], { controllable: false }), 'ana').handling).toBe(false);
    expect(callControls(call([caller({ status: 'RINGING' }), ana]), 'ana')).toMatchObject({ handling: true, hangUp: true, hold: false });
    // The supervisor is named on the agent's card and may be dropped by it; the caller never.
    expect(callControls(supervised, 'ana').drop).toEqual(['supervisor-2']);
  });

  it('names and flags parties; picks the call the agent is on', () => {
    const names = (id: string) => ({ ben: 'Ben', sue: 'Sue' })[id];
    expect(partyName(ana, names, 'ana')).toBe('You');
    expect(partyName(party({ label: 'consult-1', role: 'CONSULT', agentId: 'ben' }), names)).toBe('Ben');
    expect(partyName(caller(), names)).toBe('+13055550111');
    expect(partyFlags(party({ label: 's', role: 'SUPERVISOR', muted: true, supervise: 'LISTEN', status: 'RINGING' }))).toEqual([
      'ringing',
      'listen',
    ]);
    expect(partyFlags(caller({ held: true }))).toEqual(['on hold']);
    const other = call([caller(), party({ label: 'agent-ben', role: 'AGENT', agentId: 'ben' })], { callSid: 'CA2' });
    expect(myLiveCall([other, call([caller(), ana])], 'ana')?.callSid).toBe('CA1');
    expect(myLiveCall([other], 'ana')).toBeNull();
    expect(myLiveCall([call([caller(), ana], { state: 'ENDED' })], 'ana')).toBeNull();
  });

  it('targets: an agent, a queue, a typed number, or nothing picked', () => {
    expect(targetOf('agent:a2', '')).toEqual({ agentId: 'a2' });
    expect(targetOf('queue:q1', '')).toEqual({ queueId: 'q1' });
    expect(targetOf('number', '+13055550100')).toEqual({ number: '+13055550100' });
    expect(targetOf('', '')).toBeNull();
  });
});

describe('E.164 in the page', () => {
  it.each([
    ['+13055550100', { ok: true, number: '+13055550100' }],
    [' +1 305 555 0100 ', { ok: true, number: '+13055550100' }],
    ['3055550100', { ok: false }],
    ['+1305', { ok: false }],
    ['', { ok: false }],
  ] as const)('%j', (input, expected) => expect(checkE164(input)).toMatchObject(expected));

  it('says what is wrong', () => {
    expect(checkE164('3055550100')).toEqual({ ok: false, message: expect.stringContaining('must start with + and the country code') });
    expect(checkE164('+1305')).toEqual({ ok: false, message: expect.stringContaining('is not a valid E.164 phone number') });
  });
});

/** A graphql-ws stand-in answering by operation name. */
function fakeApi(answer: (operation: string, variables: any) => unknown) {
  const requests: { operation: string; variables: any }[] = [];
  const subscriptions = new Map<string, (data: any) => void>();
  return {
    requests,
    subscriptions,
    request: async (doc: { toString(): string }, variables: any) => {
      const operation = /(?:query|mutation) (\w+)/.exec(doc.toString())![1]!;
      requests.push({ operation, variables });
      const result = answer(operation, variables);
      if (result instanceof Error) throw result;
      return result as never;
    },
    subscribe: (doc: { toString(): string }, _v: unknown, onData: (data: any) => void) => {
      const name = /subscription (\w+)/.exec(doc.toString())![1]!;
      subscriptions.set(name, onData);
      return () => void subscriptions.delete(name);
    },
    onState: (listener: (s: ConnectionState) => void) => (listener('connected'), () => {}),
    dispose() {},
  };
}

const SETUP = {
  agentId: 'ana',
  companyId: 'c1',
  displayName: 'Ana',
  sipUsername: 'ana',
  telnyxConfigured: false,
  loginToken: null,
  websocketHost: null,
  heartbeatIntervalMs: 1000,
  registrationRequired: false,
  message: null,
  breakReasons: [],
  callerIds: ['+13055550100'],
  colleagues: [{ agentId: 'ben', displayName: 'Ben' }],
  queues: [{ queueId: 'q1', name: 'Main' }],
};

describe('softphone controller: in-call commands', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('follows liveCallsChanged, sends commands on the live call, shows refusals in the server’s words, checks numbers first', async () => {
    const api = fakeApi((op) => {
      if (op === 'Softphone') return { softphone: SETUP };
      if (op === 'Heartbeat')
        return {
          heartbeat: { nextHeartbeatInMs: 1000, leaseExpiresAt: '', presence: { online: true, status: 'AVAILABLE', statusReason: null } },
        };
      if (op === 'HoldCall') return new Error('The caller is already on hold.');
      if (op === 'ConsultCall' || op === 'StartCall') return { x: {} };
      throw new Error(`unexpected ${op}`);
    });
    const c = createSoftphoneController({ api, clock: timerClock, openLine: () => Promise.reject(new Error('no line')) });
    await vi.advanceTimersByTimeAsync(0);
    await c.hold();
    expect(c.store.get().actionError).toBe('There is no call in progress to act on.');
    api.subscriptions.get('LiveCallsChanged')!({ liveCallsChanged: { at: '', calls: [call([caller(), ana])] } });
    expect(c.store.get().live?.callSid).toBe('CA1');
    await c.hold();
    expect(c.store.get().actionError).toBe('Hold failed: The caller is already on hold.');
    await c.consult({ number: '305 555 0100' });
    expect(c.store.get().actionError).toMatch(/^Consult: .*must start with \+/);
    expect(api.requests.filter((r) => r.operation === 'ConsultCall')).toHaveLength(0);
    await c.consult({ agentId: 'ben' });
    expect(api.requests.find((r) => r.operation === 'ConsultCall')?.variables).toEqual({ callSid: 'CA1', to: { agentId: 'ben' } });
    expect(c.store.get().actionError).toBe('');
    await c.startCall('+1 305 555 0199', '+13055550100');
    expect(api.requests.find((r) => r.operation === 'StartCall')?.variables).toEqual({
      input: { to: '+13055550199', callerId: '+13055550100' },
    });
    // The call gone from the view: the card goes, and with it any stale refusal.
    api.subscriptions.get('LiveCallsChanged')!({ liveCallsChanged: { at: '', calls: [] } });
    expect(c.store.get()).toMatchObject({ live: null, actionError: '' });
    c.dispose();
    expect(api.subscriptions.size).toBe(0);
  });
});

describe('board live calls controller', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
      m,
    };
  };

  it('remembers the supervisor’s softphone, supervises through it, and calls a voicemail back from the number it reached', async () => {
    const api = fakeApi(() => ({ x: {} }));
    const storage = memory();
    const live = createLiveCallsController({ api, companyId: 'c1', storage });
    await live.supervise('CA1', 'WHISPER');
    expect(live.store.get()).toMatchObject({ message: 'Pick the softphone you listen from first.', error: true });
    expect(api.requests).toHaveLength(0);
    live.chooseSoftphone('sue');
    expect(storage.m.get(softphoneKey('c1'))).toBe('sue');
    // A board opened later in the same browser starts with it.
    expect(createLiveCallsController({ api: fakeApi(() => ({})), companyId: 'c1', storage }).store.get().softphoneAgentId).toBe('sue');
    await live.supervise('CA1', 'WHISPER');
    await live.leave('CA1');
    expect(api.requests).toEqual([
      { operation: 'SuperviseCall', variables: { callSid: 'CA1', mode: 'WHISPER', softphoneAgentId: 'sue' } },
      { operation: 'StopSupervising', variables: { callSid: 'CA1', softphoneAgentId: 'sue' } },
    ]);
    await live.callBack({ from: 'anonymous', to: '+13055550100' }, 'ana');
    expect(live.store.get().message).toMatch(/^Call back: "anonymous" must start with \+/);
    await live.callBack({ from: '+13055550111', to: '+13055550100' }, 'ana');
    expect(api.requests.at(-1)).toEqual({
      operation: 'StartCall',
      variables: { input: { to: '+13055550111', agentId: 'ana', callerId: '+13055550100' } },
    });
    api.subscriptions.get('LiveCallsChanged')!({ liveCallsChanged: { at: '', calls: [call([caller(), ana])] } });
    expect(live.store.get().calls).toHaveLength(1);
    live.dispose();
    expect(api.subscriptions.size).toBe(0);
  });

  it('a refusal shows in the server’s words', async () => {
    const api = fakeApi(() => new Error('No agent is on the call to whisper to.'));
    const live = createLiveCallsController({ api, companyId: 'c1', storage: null });
    live.chooseSoftphone('sue');
    await live.supervise('CA1', 'WHISPER');
    expect(live.store.get()).toMatchObject({ message: 'Whisper failed: No agent is on the call to whisper to.', error: true });
  });
});

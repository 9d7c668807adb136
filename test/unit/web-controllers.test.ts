/**
 * The web client's controllers, without a DOM (they have none by design): the heartbeat loop, the
 * Telnyx retries and the subscriptions end on dispose; status changes keep to the company's list.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../web/src/api.js';
import { createBoardController, PREVIEW_SETTLE_MS } from '../../web/src/board/controller.js';
import { ROUTING_MODES } from '../../web/src/board/routing-form.js';
import { createSoftphoneController, TELNYX_RETRY_MS, type SoftphoneSetup } from '../../web/src/softphone/controller.js';
import { timerClock } from '../../web/src/softphone/heartbeat-clock.js';
import { chooseStatus, statusOptions, statusOptionValue } from '../../web/src/status-choice.js';

const INTERVAL_MS = 1000;

const setup = (overrides: Partial<SoftphoneSetup> = {}): SoftphoneSetup => ({
  agentId: 'a1',
  companyId: 'c1',
  displayName: 'Ana',
  sipUsername: 'ana',
  telnyxConfigured: false,
  loginToken: null,
  websocketHost: null,
  heartbeatIntervalMs: INTERVAL_MS,
  registrationRequired: false,
  message: null,
  breakReasons: ['Lunch', 'Training'],
  callerIds: ['+13055550100'],
  colleagues: [{ agentId: 'a2', displayName: 'Ben' }],
  queues: [{ queueId: 'q1', name: 'Main' }],
  ...overrides,
});

const presence = (status = 'AVAILABLE', statusReason: string | null = null) => ({
  agentId: 'a1',
  online: true,
  sipRegistered: false,
  status,
  statusReason,
  callState: 'idle',
});

/** A stand-in for the graphql-ws connection: answers by operation name and records every request. */
function fakeApi(answer: (operation: string, variables: any) => unknown) {
  const requests: { operation: string; variables: any }[] = [];
  const subscriptions = new Map<string, (data: any) => void>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const api = {
    requests,
    disposed: false,
    request: async (doc: { toString(): string }, variables: any) => {
      const operation = /(?:query|mutation) (\w+)/.exec(doc.toString())![1]!;
      requests.push({ operation, variables });
      const result = answer(operation, variables);
      if (result instanceof Error) throw result;
      return result as never;
    },
    subscribe: (doc: { toString(): string }, _variables: unknown, onData: (data: any) => void) => {
      const name = /subscription (\w+)/.exec(doc.toString())![1]!;
      subscriptions.set(name, onData);
      return () => void subscriptions.delete(name);
    },
    onState: (listener: (s: ConnectionState) => void) => {
      stateListeners.add(listener);
      listener('connected');
      return () => void stateListeners.delete(listener);
    },
    dispose() {
      api.disposed = true;
    },
    subscriptions,
    stateListeners,
  };
  return api;
}

const softphoneAnswers = (op: string, variables: any): unknown => {
  if (op === 'Softphone') return { softphone: setup() };
  if (op === 'Heartbeat') return { heartbeat: { nextHeartbeatInMs: INTERVAL_MS, leaseExpiresAt: '', presence: presence() } };
  if (op === 'SetAgentStatus') return { setAgentStatus: presence(variables.input.status, variables.input.reason) };
  throw new Error(`unexpected ${op}`);
};

describe('softphone controller', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const heartbeats = (api: ReturnType<typeof fakeApi>) => api.requests.filter((r) => r.operation === 'Heartbeat').length;

  it('heartbeats every interval once set up, and dispose stops the loop, the connection and the listeners', async () => {
    const api = fakeApi(softphoneAnswers);
    const c = createSoftphoneController({ api, clock: timerClock, openLine: () => Promise.reject(new Error('no line in demo mode')) });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.store.get().setup?.breakReasons).toEqual(['Lunch', 'Training']);
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(heartbeats(api)).toBe(4); // one at once, then one per interval
    expect(c.store.get()).toMatchObject({ online: true, beats: 4 });

    const seen = vi.fn();
    c.store.subscribe(seen);
    c.dispose();
    const before = heartbeats(api);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(heartbeats(api)).toBe(before);
    expect(vi.getTimerCount()).toBe(0);
    expect(api.disposed).toBe(true);
    expect(api.stateListeners.size).toBe(0);
    expect(seen).toHaveBeenCalledTimes(1); // only the call on subscribe: no state change after dispose
  });

  it('a failed setup load is retried later; dispose cancels the pending retry', async () => {
    let fail = true;
    const api = fakeApi((op, v) => (op === 'Softphone' && fail ? new Error('server busy') : softphoneAnswers(op, v)));
    const c = createSoftphoneController({ api, clock: timerClock, openLine: () => Promise.reject(new Error('unused')) });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.store.get().telnyxDetail).toContain('Could not load the softphone setup: server busy');
    fail = false;
    await vi.advanceTimersByTimeAsync(TELNYX_RETRY_MS);
    expect(c.store.get().setup).not.toBeNull();

    const failing = fakeApi(() => new Error('server busy'));
    const d = createSoftphoneController({ api: failing, clock: timerClock, openLine: () => Promise.reject(new Error('unused')) });
    await vi.advanceTimersByTimeAsync(0);
    expect(failing.requests).toHaveLength(1);
    d.dispose();
    c.dispose();
    await vi.advanceTimersByTimeAsync(3 * TELNYX_RETRY_MS);
    expect(failing.requests).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a break takes one of the company's reasons: another is refused without a request, a match is sent as the company spells it", async () => {
    const api = fakeApi(softphoneAnswers);
    const c = createSoftphoneController({ api, clock: timerClock, openLine: () => Promise.reject(new Error('unused')) });
    await vi.advanceTimersByTimeAsync(0);

    await c.setStatus('ON_BREAK', 'Personal');
    expect(api.requests.some((r) => r.operation === 'SetAgentStatus')).toBe(false);
    expect(c.store.get().error).toBe("Could not change status: Pick one of the company's break reasons: Lunch, Training.");

    await c.setStatus('ON_BREAK', 'lunch');
    expect(api.requests.find((r) => r.operation === 'SetAgentStatus')?.variables).toEqual({
      input: { status: 'ON_BREAK', reason: 'Lunch' },
    });
    expect(c.store.get()).toMatchObject({ status: 'ON_BREAK', statusReason: 'Lunch', error: '' });
    c.dispose();
  });
});

describe('board controller', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const company = {
    id: 'c1',
    name: 'Northwind',
    timeZone: 'UTC',
    breakReasons: ['Lunch', 'Training'],
    routing: { mode: 'AUTO', ringTimeoutSeconds: 20, fallbackKind: 'VOICEMAIL', fallbackNumber: null, allowUnregisteredSoftphones: false },
  };
  const voicemail = {
    id: 'vm1',
    from: '+15550001111',
    to: '+13055550100',
    durationSeconds: 7,
    audioUrl: null,
    recordingStatus: 'PENDING',
    transcription: null,
    read: false,
    handled: false,
    createdAt: new Date(0).toISOString(),
  };
  const preview = { at: '', decision: 'RING', fallback: null, fallbackReason: null, ringTimeoutSeconds: 20, targets: [], skipped: [] };
  const boardAnswers = (op: string, v: any): unknown => {
    if (op === 'BoardCompany') return { company };
    if (op === 'Voicemails') return { voicemails: [voicemail] };
    if (op === 'VoicemailAudio')
      return {
        voicemail: { id: v.id, audioUrl: '/media/recordings/r1?exp=1&sig=s', recordingStatus: 'STORED', transcription: 'Call me back.' },
      };
    if (op === 'MarkVoicemail') return { markVoicemail: { id: v.id, read: v.read ?? false, handled: v.handled ?? false } };
    if (op === 'RoutePreview') return { routePreview: preview };
    if (op === 'SetAgentStatus') return { setAgentStatus: { ...presence(v.input.status, v.input.reason), agentId: v.input.agentId } };
    throw new Error(`unexpected ${op}`);
  };
  const event = (agentId: string) => ({
    presenceChanged: {
      at: new Date(0).toISOString(),
      cause: 'heartbeat',
      snapshot: false,
      presence: {
        agentId,
        displayName: 'Ben',
        sipUsername: 'ben',
        online: true,
        sipRegistered: true,
        status: 'AVAILABLE',
        statusReason: null,
        lastSeen: null,
        callState: 'idle',
        activeCalls: 0,
      },
    },
  });

  it('asks for a fresh audio link when a voicemail is played, and marks it read and handled', async () => {
    const api = fakeApi(boardAnswers);
    const c = createBoardController({ api, companyId: 'c1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.store.get().voicemails).toMatchObject([{ id: 'vm1', audioUrl: null, read: false }]);
    expect(await c.voicemailAudio('vm1')).toBe('/media/recordings/r1?exp=1&sig=s');
    expect(c.store.get().voicemails).toMatchObject([{ id: 'vm1', recordingStatus: 'STORED', transcription: 'Call me back.' }]);
    expect(await c.markVoicemail('vm1', { read: true })).toEqual({ ok: true });
    expect(await c.markVoicemail('vm1', { handled: true })).toEqual({ ok: true });
    expect(api.requests.filter((r) => r.operation === 'MarkVoicemail').map((r) => r.variables)).toEqual([
      { id: 'vm1', read: true },
      { id: 'vm1', handled: true },
    ]);
    expect(c.store.get().voicemails).toMatchObject([{ id: 'vm1', handled: true }]);
    c.dispose();
  });

  it("sets an agent's status for the supervisor, naming the agent, with a reason from the company's list only", async () => {
    const api = fakeApi(boardAnswers);
    const c = createBoardController({ api, companyId: 'c1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.store.get().company?.breakReasons).toEqual(['Lunch', 'Training']);

    expect(await c.setAgentStatus('b1', 'ON_BREAK', 'Nap')).toEqual({
      ok: false,
      message: "Pick one of the company's break reasons: Lunch, Training.",
    });
    expect(api.requests.some((r) => r.operation === 'SetAgentStatus')).toBe(false);
    expect(await c.setAgentStatus('b1', 'ON_BREAK', 'training')).toEqual({ ok: true });
    expect(await c.setAgentStatus('b1', 'AVAILABLE', 'ignored')).toEqual({ ok: true });
    expect(api.requests.filter((r) => r.operation === 'SetAgentStatus').map((r) => r.variables.input)).toEqual([
      { agentId: 'b1', status: 'ON_BREAK', reason: 'Training' },
      { agentId: 'b1', status: 'AVAILABLE', reason: null },
    ]);
    c.dispose();
  });

  it('folds presence events into rows and refreshes the preview once they settle; dispose ends subscriptions and the pending refresh', async () => {
    const api = fakeApi(boardAnswers);
    const c = createBoardController({ api, companyId: 'c1', now: () => 42 });
    await vi.advanceTimersByTimeAsync(0);
    const previews = () => api.requests.filter((r) => r.operation === 'RoutePreview').length;
    const initial = previews();
    api.subscriptions.get('PresenceChanged')!(event('b1'));
    api.subscriptions.get('PresenceChanged')!(event('b2'));
    expect([...c.store.get().rows.keys()]).toEqual(['b1', 'b2']);
    expect(c.store.get().renderedAt.get('b1')).toBe(42);
    await vi.advanceTimersByTimeAsync(PREVIEW_SETTLE_MS);
    expect(previews()).toBe(initial + 1); // one refresh for the burst

    api.subscriptions.get('PresenceChanged')!(event('b3'));
    expect(vi.getTimerCount()).toBe(1);
    c.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(api.subscriptions.size).toBe(0);
    expect(api.stateListeners.size).toBe(0);
    expect(api.disposed).toBe(true);
    await vi.advanceTimersByTimeAsync(10 * PREVIEW_SETTLE_MS);
    expect(previews()).toBe(initial + 1);
  });
});

describe('status choices', () => {
  it('a break outside the list is refused; no list means a break without a reason; other statuses carry none', () => {
    expect(chooseStatus('ON_BREAK', 'Nap', ['Lunch'])).toEqual({ ok: false, message: "Pick one of the company's break reasons: Lunch." });
    expect(chooseStatus('ON_BREAK', null, ['Lunch']).ok).toBe(false);
    expect(chooseStatus('ON_BREAK', ' LUNCH ', ['Lunch'])).toEqual({ ok: true, status: 'ON_BREAK', reason: 'Lunch' });
    expect(chooseStatus('ON_BREAK', 'Nap', [])).toEqual({ ok: true, status: 'ON_BREAK', reason: null });
    expect(chooseStatus('WRAP_UP', 'Lunch', ['Lunch'])).toEqual({ ok: true, status: 'WRAP_UP', reason: null });
  });

  it('the picker offers Available, one break per company reason (or a plain break), wrap-up', () => {
    expect(statusOptions(['Lunch', 'Training']).map((o) => o.label)).toEqual(['Available', 'Break · Lunch', 'Break · Training', 'Wrap-up']);
    expect(statusOptions([]).map((o) => o.value)).toEqual(['AVAILABLE', 'ON_BREAK:', 'WRAP_UP']);
    expect(statusOptionValue('ON_BREAK', 'lunch', ['Lunch'])).toBe('ON_BREAK:Lunch');
    expect(statusOptionValue('ON_BREAK', 'Nap', ['Lunch'])).toBe('ON_BREAK:Nap');
    expect(statusOptionValue('AVAILABLE', null, ['Lunch'])).toBe('AVAILABLE');
  });

  it("the routing form offers every value of the schema's RoutingMode enum, AUTO first", async () => {
    const { readFileSync } = await import('node:fs');
    const schema = readFileSync('schema.graphql', 'utf8');
    const enumBody = /enum RoutingMode \{([^}]*)\}/.exec(schema)![1]!.replace(/"""[\s\S]*?"""/g, '');
    const fromSchema = enumBody.split(/\s+/).filter(Boolean).sort();
    expect(ROUTING_MODES.map((m) => m.value).sort()).toEqual(fromSchema);
    expect(ROUTING_MODES[0]!.value).toBe('AUTO');
  });
});

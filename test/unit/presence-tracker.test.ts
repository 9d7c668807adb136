import { describe, expect, it, vi } from 'vitest';
import { ManualClock, type TimerHandle } from '../../src/domain/clock.js';
import { PresenceTracker, type PresenceTrackerOptions, type PresenceTransition } from '../../src/presence/tracker.js';

const TTL = 30_000;
const GRACE = 5_000;

function setup(extra: Partial<PresenceTrackerOptions> = {}) {
  const clock = new ManualClock();
  const t0 = clock.now();
  const events: PresenceTransition[] = [];
  const persisted: [string, number][] = [];
  const tracker = new PresenceTracker({
    clock,
    ttlMs: TTL,
    onTransition: (t) => events.push(t),
    persistLastSeen: (agentId, at) => {
      persisted.push([agentId, at]);
    },
    ...extra,
  });
  const hb = (
    agentId: string,
    sipRegistered = true,
    opts: { companyId?: string; allowUnregistered?: boolean; callState?: string | null } = {},
  ) =>
    tracker.heartbeat(
      { agentId, companyId: opts.companyId ?? 'co1', allowUnregistered: opts.allowUnregistered ?? false },
      opts.callState === undefined ? { sipRegistered } : { sipRegistered, callState: opts.callState },
    );
  return { clock, t0, events, persisted, tracker, hb };
}

describe('PresenceTracker: heartbeats and lease expiry', () => {
  it('first heartbeat emits online once; steady heartbeats emit nothing', () => {
    const { clock, t0, events, tracker, hb } = setup();
    const l = hb('a1');
    expect(l).toMatchObject({
      agentId: 'a1',
      companyId: 'co1',
      online: true,
      live: true,
      sipRegistered: true,
      lastSeenAt: t0,
      leaseExpiresAt: t0 + TTL,
      sockets: 0,
    });
    expect(events).toEqual([
      { agentId: 'a1', companyId: 'co1', online: true, sipRegistered: true, at: t0, lastSeenAt: t0, cause: 'heartbeat' },
    ]);
    for (let i = 0; i < 20; i++) {
      clock.advance(10_000);
      hb('a1');
    }
    expect(events).toHaveLength(1);
    expect(tracker.get('a1')?.lastSeenAt).toBe(t0 + 200_000);
    expect(tracker.liveCount()).toBe(1);
  });

  it('goes offline at exactly lastHeartbeat + ttl with cause lease-expired, and is forgotten', () => {
    const { clock, events, tracker, hb } = setup();
    hb('a1');
    clock.advance(10_000);
    hb('a1');
    const t = clock.now();
    clock.advance(TTL - 1);
    expect(tracker.get('a1')?.online).toBe(true);
    expect(events).toHaveLength(1);
    clock.advance(1);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      agentId: 'a1',
      companyId: 'co1',
      online: false,
      sipRegistered: true,
      at: t + TTL,
      lastSeenAt: t,
      cause: 'lease-expired',
    });
    expect(tracker.get('a1')).toBeUndefined();
    expect(tracker.liveCount()).toBe(0);
    expect(tracker.snapshot('co1')).toEqual([]);
    expect(clock.pendingTimers()).toBe(0); // nothing left to expire, no timer
  });

  it('keeps ONE pending timer for 1000 agents and expires them in deadline order, each exactly on time', () => {
    const { clock, events, tracker, hb } = setup();
    const ids = Array.from({ length: 1000 }, (_, i) => `agent-${i}`);
    // Shuffle deterministically so heartbeat order differs from id order.
    const order = ids
      .map((id, i) => ({ id, k: (i * 7919) % 1000 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.id);
    for (const id of order) {
      hb(id);
      expect(clock.pendingTimers()).toBeLessThanOrEqual(1);
      clock.advance(13);
    }
    // A second round of renewals (in a different order) only moves heap keys.
    for (const id of [...order].reverse()) {
      hb(id);
      clock.advance(3);
    }
    expect(clock.pendingTimers()).toBe(1);
    expect(tracker.liveCount()).toBe(1000);
    const onlineEvents = events.length;
    expect(onlineEvents).toBe(1000);

    clock.advance(TTL + 10_000);
    const offline = events.slice(onlineEvents);
    expect(offline).toHaveLength(1000);
    // The second round renewed in reverse order, so that round's order is the expiry order.
    expect(offline.map((e) => e.agentId)).toEqual([...order].reverse());
    for (let i = 0; i < offline.length; i++) {
      const e = offline[i]!;
      expect(e.cause).toBe('lease-expired');
      expect(e.at).toBe(e.lastSeenAt + TTL);
      if (i > 0) expect(e.at).toBeGreaterThanOrEqual(offline[i - 1]!.at);
    }
    expect(tracker.liveCount()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('randomized heartbeats: every expiry fires exactly at lastSeenAt + ttl with at most one timer', () => {
    const { clock, events, tracker, hb } = setup();
    let seed = 99;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let step = 0; step < 3000; step++) {
      hb(`a${Math.floor(rnd() * 50)}`);
      clock.advance(Math.floor(rnd() * 2000));
      expect(clock.pendingTimers()).toBeLessThanOrEqual(1);
    }
    clock.advance(TTL);
    expect(tracker.liveCount()).toBe(0);
    const offline = events.filter((e) => !e.online);
    expect(offline.length).toBeGreaterThan(50); // gaps > ttl happen, so agents flap and come back
    for (const e of offline) expect(e.at).toBe(e.lastSeenAt + TTL);
    // Per agent, events alternate online/offline, starting online.
    const last = new Map<string, boolean>();
    for (const e of events) {
      expect(e.online).toBe(!(last.get(e.agentId) ?? false));
      last.set(e.agentId, e.online);
    }
  });

  it('callState is stored and returned; changing it is not a transition', () => {
    const { events, tracker, hb } = setup();
    hb('a1', true, { callState: 'idle' });
    expect(hb('a1', true, { callState: 'ringing' }).callState).toBe('ringing');
    hb('a1'); // omitted: keeps the last reported value
    expect(tracker.get('a1')?.callState).toBe('ringing');
    hb('a1', true, { callState: null });
    expect(tracker.get('a1')?.callState).toBeNull();
    expect(events).toHaveLength(1);
  });
});

describe("PresenceTracker: liveState, routing's read", () => {
  it('answers while the lease (or socket grace) runs and nothing from its deadline on, even before the timer fires, and expires nobody', () => {
    let now = Date.UTC(2026, 0, 5, 15);
    const events: PresenceTransition[] = [];
    // Timers that never fire: the answer must not depend on the expiry timer being on time.
    const lateClock = { now: () => now, setTimer: () => ({}) as TimerHandle, clearTimer: () => {} };
    const tracker = new PresenceTracker({ clock: lateClock, ttlMs: TTL, socketGraceMs: GRACE, onTransition: (t) => events.push(t) });
    const agent = (agentId: string) => ({ agentId, companyId: 'co1', allowUnregistered: false });
    tracker.heartbeat(agent('a1'), { sipRegistered: true, callState: 'active' });
    tracker.heartbeat(agent('a2'), { sipRegistered: false });
    expect(tracker.liveState('a1')).toMatchObject({ sipRegistered: true, callState: 'active' });
    expect(tracker.liveState('a2')).toMatchObject({ sipRegistered: false, callState: null });
    expect(tracker.liveState('nobody')).toBeUndefined();
    // The last socket closes: live until the grace ends, as get() says.
    tracker.attachSocket('a1', 'co1');
    tracker.detachSocket('a1');
    now += GRACE - 1;
    expect(tracker.liveState('a1')).toBeDefined();
    now += 1;
    expect(tracker.liveState('a1')).toBeUndefined();
    expect(events.filter((e) => !e.online)).toEqual([]); // reading expired nobody
    expect(tracker.get('a1')).toBeUndefined(); // the next drain does
    expect(events.at(-1)).toMatchObject({ agentId: 'a1', online: false, cause: 'socket-closed' });
    now += TTL;
    expect(tracker.liveState('a2')).toBeUndefined();
  });
});

describe('PresenceTracker: liveStateFor, through the record kept on the agent', () => {
  it('answers as liveState does at every step, and follows the agent to a new record once its old one is forgotten', () => {
    const { clock, tracker, hb } = setup({ socketGraceMs: GRACE });
    const holder: { id: string; leaseRecord?: unknown } = { id: 'a1' };
    const both = () => [tracker.liveStateFor(holder, clock.now()), tracker.liveState('a1')];
    const same = () => {
      const [kept, looked] = both();
      expect(kept).toEqual(looked);
      return kept;
    };

    expect(same()).toBeUndefined(); // no record yet: nothing kept
    expect(holder.leaseRecord).toBeUndefined();
    hb('a1', true, { callState: 'active' });
    expect(same()).toMatchObject({ sipRegistered: true, callState: 'active' });
    const first = holder.leaseRecord;
    expect(first).toBeDefined();
    hb('a1', false, { callState: null });
    expect(same()).toMatchObject({ sipRegistered: false, callState: null }); // the kept record is read as it changes
    expect(holder.leaseRecord).toBe(first);

    // The agent is removed (forgotten), then heartbeats again: a new record, which the holder now keeps.
    tracker.remove('a1');
    expect(same()).toBeUndefined();
    hb('a1', true);
    expect(same()).toMatchObject({ sipRegistered: true });
    expect(holder.leaseRecord).not.toBe(first);

    // Its lease runs out, and the record is forgotten when the expiry is applied; a heartbeat brings it back.
    clock.advance(TTL);
    expect(same()).toBeUndefined();
    expect(tracker.get('a1')).toBeUndefined();
    hb('a1', true, { callState: 'ringing' });
    expect(same()).toMatchObject({ sipRegistered: true, callState: 'ringing' });

    // A socket closes: live through the grace, not after.
    tracker.attachSocket('a1', 'co1');
    tracker.detachSocket('a1');
    clock.advance(GRACE - 1);
    expect(same()).toBeDefined();
    clock.advance(1);
    expect(same()).toBeUndefined();
  });
});

describe('PresenceTracker: sockets and grace', () => {
  it('last socket detach → offline at now + grace with cause socket-closed', () => {
    const { clock, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    tracker.attachSocket('a1', 'co1');
    expect(tracker.get('a1')?.sockets).toBe(2);
    clock.advance(2_000);
    tracker.detachSocket('a1'); // one socket left: no grace
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(clock.now() - 2_000 + TTL);
    tracker.detachSocket('a1');
    const closedAt = clock.now();
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(closedAt + GRACE);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(GRACE - 1);
    expect(tracker.get('a1')?.online).toBe(true);
    clock.advance(1);
    expect(events.at(-1)).toMatchObject({ agentId: 'a1', online: false, cause: 'socket-closed', at: closedAt + GRACE });
    expect(events).toHaveLength(2);
    expect(tracker.get('a1')).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('grace never extends the lease: deadline is min(lease, now + grace)', () => {
    const { clock, t0, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    clock.advance(TTL - 1_000);
    tracker.detachSocket('a1');
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(t0 + TTL);
    clock.advance(1_000);
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'lease-expired', at: t0 + TTL });
  });

  it('reattach within the grace stays online and then follows the normal lease', () => {
    const { clock, t0, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    clock.advance(1_000);
    tracker.detachSocket('a1');
    clock.advance(3_000); // page reload
    tracker.attachSocket('a1', 'co1');
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(t0 + TTL);
    clock.advance(10_000); // well past the would-be grace deadline
    expect(tracker.get('a1')?.online).toBe(true);
    expect(clock.now()).toBe(t0 + 14_000);
    clock.advance(TTL - 14_000 - 1);
    expect(tracker.get('a1')?.online).toBe(true);
    expect(events).toHaveLength(1);
    clock.advance(1);
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'lease-expired', at: t0 + TTL });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a heartbeat after the socket closed cancels the grace', () => {
    const { clock, t0, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    clock.advance(1_000);
    tracker.detachSocket('a1'); // grace would end at t0 + 6000
    clock.advance(1_000);
    hb('a1'); // still alive over HTTP
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(t0 + 2_000 + TTL);
    clock.advance(10_000);
    expect(tracker.get('a1')?.online).toBe(true);
    clock.advance(TTL - 10_000 - 1);
    expect(events).toHaveLength(1);
    clock.advance(1);
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'lease-expired', at: t0 + 2_000 + TTL });
  });

  it('a socket attached before the first heartbeat is only counted until a heartbeat arrives', () => {
    const { clock, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    expect(tracker.get('a1')).toBeUndefined();
    expect(tracker.liveCount()).toBe(0);
    expect(tracker.snapshot('co1')).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toHaveLength(0);
    expect(hb('a1').sockets).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('lease expiry with a socket still open keeps the socket count, so a later detach applies the grace', () => {
    const { clock, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    clock.advance(TTL); // hidden tab stopped heartbeating, socket still open
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'lease-expired' });
    expect(tracker.get('a1')).toBeUndefined();
    hb('a1'); // tab wakes up
    expect(events.at(-1)).toMatchObject({ online: true, cause: 'heartbeat' });
    expect(tracker.get('a1')?.sockets).toBe(1);
    tracker.detachSocket('a1');
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(clock.now() + GRACE);
  });

  it('detach of an unknown agent or with no sockets is a no-op', () => {
    const { clock, events, tracker, hb } = setup();
    tracker.detachSocket('ghost');
    hb('a1');
    tracker.detachSocket('a1'); // heartbeat-only agent: no socket to close, lease unchanged
    expect(tracker.get('a1')?.leaseExpiresAt).toBe(clock.now() + TTL);
    expect(tracker.get('a1')?.sockets).toBe(0);
    expect(events).toHaveLength(1);
  });

  it('zero grace: closing the last socket takes the agent offline immediately', () => {
    const { events, tracker, hb } = setup({ socketGraceMs: 0 });
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    tracker.detachSocket('a1');
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'socket-closed' });
    expect(tracker.get('a1')).toBeUndefined();
  });
});

describe('PresenceTracker: registration and policy', () => {
  it('sipRegistered=false without allowUnregistered → offline (unregistered), back online when registered', () => {
    const { clock, t0, events, tracker, hb } = setup();
    hb('a1');
    clock.advance(10_000);
    hb('a1', false);
    expect(events.at(-1)).toEqual({
      agentId: 'a1',
      companyId: 'co1',
      online: false,
      sipRegistered: false,
      at: t0 + 10_000,
      lastSeenAt: t0 + 10_000,
      cause: 'unregistered',
    });
    expect(tracker.get('a1')).toMatchObject({ live: true, online: false, sipRegistered: false });
    clock.advance(10_000);
    hb('a1', false); // still unregistered: no new event
    expect(events).toHaveLength(2);
    clock.advance(10_000);
    hb('a1', true);
    expect(events.at(-1)).toMatchObject({ online: true, sipRegistered: true, cause: 'heartbeat' });
    expect(events).toHaveLength(3);
  });

  it('a live but unregistered agent expires silently (no online change) and is forgotten', () => {
    const { clock, events, tracker, hb } = setup();
    hb('a1', false);
    expect(events).toHaveLength(0);
    clock.advance(TTL);
    expect(events).toHaveLength(0);
    expect(tracker.get('a1')).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('allowUnregistered=true keeps an unregistered agent online', () => {
    const { events, tracker, hb } = setup();
    hb('a1', false, { allowUnregistered: true });
    expect(events).toEqual([expect.objectContaining({ online: true, sipRegistered: false, cause: 'heartbeat' })]);
    hb('a1', false, { allowUnregistered: true });
    expect(events).toHaveLength(1);
    expect(tracker.get('a1')?.online).toBe(true);
  });

  it('setPolicy flips online for an unregistered agent; no-op for registered or unknown agents', () => {
    const { events, tracker, hb } = setup();
    hb('a1', false);
    tracker.setPolicy('a1', true);
    expect(events.at(-1)).toMatchObject({ agentId: 'a1', online: true });
    tracker.setPolicy('a1', false);
    expect(events.at(-1)).toMatchObject({ agentId: 'a1', online: false, cause: 'unregistered' });
    expect(events).toHaveLength(2);
    hb('a2', true);
    tracker.setPolicy('a2', true);
    tracker.setPolicy('a2', false);
    tracker.setPolicy('ghost', true);
    expect(events).toHaveLength(3); // only a2's initial online
    expect(tracker.get('ghost')).toBeUndefined();
  });
});

describe('PresenceTracker: last-seen persistence', () => {
  it('persists on transitions and at most once per 60 s of steady heartbeats', () => {
    const { clock, t0, persisted, hb } = setup();
    // Heartbeats every 10 s for 5 min: t0, t0+10s, ..., t0+300s (31 heartbeats).
    hb('a1');
    for (let i = 1; i <= 30; i++) {
      clock.advance(10_000);
      hb('a1');
    }
    // t0 (online transition), then t0+60s, +120s, +180s, +240s, +300s.
    expect(persisted).toEqual([0, 60, 120, 180, 240, 300].map((s) => ['a1', t0 + s * 1000]));
    clock.advance(TTL);
    // The offline transition persists the last heartbeat time.
    expect(persisted).toHaveLength(7);
    expect(persisted.at(-1)).toEqual(['a1', t0 + 300_000]);
  });

  it('persists on every transition, including unregistered and removed', () => {
    const { clock, t0, persisted, tracker, hb } = setup();
    hb('a1');
    clock.advance(5_000);
    hb('a1', false);
    clock.advance(5_000);
    hb('a1', true);
    tracker.remove('a1');
    expect(persisted).toEqual([
      ['a1', t0],
      ['a1', t0 + 5_000],
      ['a1', t0 + 10_000],
      ['a1', t0 + 10_000],
    ]);
  });

  it('rejections and throws go to onError and never throw out of the tracker', async () => {
    const onError = vi.fn();
    const boom = new Error('db down');
    let mode: 'reject' | 'throw' = 'reject';
    const { clock, events, tracker, hb } = setup({
      onError,
      persistLastSeen: () => {
        if (mode === 'throw') throw boom;
        return Promise.reject(boom);
      },
    });
    expect(() => hb('a1')).not.toThrow();
    await Promise.resolve();
    await Promise.resolve();
    expect(onError).toHaveBeenCalledWith(boom);
    mode = 'throw';
    onError.mockClear();
    clock.advance(TTL); // expiry inside the timer callback: must not throw
    expect(onError).toHaveBeenCalledWith(boom);
    expect(events.at(-1)).toMatchObject({ online: false, cause: 'lease-expired' });
    expect(tracker.liveCount()).toBe(0);
  });

  it('a throwing onTransition goes to onError and does not stop other expiries', () => {
    const onError = vi.fn();
    const seen: string[] = [];
    const clock = new ManualClock();
    const tracker = new PresenceTracker({
      clock,
      ttlMs: TTL,
      onError,
      onTransition: (t) => {
        seen.push(`${t.agentId}:${t.online}`);
        if (!t.online && t.agentId === 'a1') throw new Error('listener bug');
      },
    });
    tracker.heartbeat({ agentId: 'a1', companyId: 'c', allowUnregistered: false }, { sipRegistered: true });
    clock.advance(1);
    tracker.heartbeat({ agentId: 'a2', companyId: 'c', allowUnregistered: false }, { sipRegistered: true });
    clock.advance(TTL);
    expect(seen).toEqual(['a1:true', 'a2:true', 'a1:false', 'a2:false']);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('PresenceTracker: companies, remove, stop', () => {
  it('snapshot(companyId) isolates companies', () => {
    const { clock, tracker, hb } = setup();
    hb('a1', true, { companyId: 'A' });
    hb('a2', false, { companyId: 'A' });
    hb('b1', true, { companyId: 'B' });
    tracker.attachSocket('a3', 'A'); // socket only: not live
    expect(
      tracker
        .snapshot('A')
        .map((l) => l.agentId)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect(tracker.snapshot('A').find((l) => l.agentId === 'a2')?.online).toBe(false);
    expect(tracker.snapshot('B').map((l) => l.agentId)).toEqual(['b1']);
    expect(tracker.snapshot('C')).toEqual([]);
    expect(tracker.liveCount()).toBe(3);
    clock.advance(5_000);
    hb('b1', true, { companyId: 'B' });
    clock.advance(TTL - 5_000);
    expect(tracker.snapshot('A')).toEqual([]);
    expect(tracker.snapshot('B').map((l) => l.agentId)).toEqual(['b1']);
  });

  it('remove() forgets the agent and emits removed if it was online', () => {
    const { clock, events, tracker, hb } = setup();
    tracker.attachSocket('a1', 'co1');
    hb('a1');
    hb('a2', false);
    tracker.remove('a1');
    expect(events.at(-1)).toMatchObject({ agentId: 'a1', online: false, cause: 'removed', at: clock.now() });
    expect(tracker.get('a1')).toBeUndefined();
    expect(tracker.snapshot('co1').map((l) => l.agentId)).toEqual(['a2']);
    tracker.detachSocket('a1'); // the disabled agent's socket closing later is harmless
    tracker.remove('a2'); // not online: nothing to announce
    tracker.remove('ghost');
    expect(events).toHaveLength(2);
    expect(tracker.liveCount()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(TTL * 2);
    expect(events).toHaveLength(2);
  });

  it('stop() clears the timer and emits nothing', () => {
    const { clock, events, tracker, hb } = setup();
    hb('a1');
    hb('a2');
    expect(clock.pendingTimers()).toBe(1);
    tracker.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(TTL * 2);
    expect(events).toHaveLength(2);
  });

  it('rejects a non-positive ttl', () => {
    expect(() => new PresenceTracker({ clock: new ManualClock(), ttlMs: 0, onTransition: () => {} })).toThrow(RangeError);
  });
});

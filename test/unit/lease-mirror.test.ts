import { describe, expect, it } from 'vitest';
import { LeaseMirror, type LeaseState } from '../../src/presence/lease-mirror.js';
import { parseWithDates, stringifyWithDates } from '../../src/infra/redis-pubsub.js';

const live = (a: string, v: number, dl: number, extra: Partial<LeaseState> = {}): LeaseState => ({
  a,
  v,
  c: 'co',
  on: true,
  sip: true,
  cs: '',
  seen: dl - 3000,
  dl,
  n: 0,
  ...extra,
});
const gone = (a: string, v: number): LeaseState => ({ a, v });

describe('LeaseMirror (multi-instance presence reads)', () => {
  it('keeps the newest version when a script result and its echo interleave', () => {
    const m = new LeaseMirror();
    m.apply(live('ana', 5, 10_000), 0);
    m.apply(gone('ana', 6), 0);
    m.apply(live('ana', 5, 10_000), 0); // the echo of v5 arrives after v6 was applied locally
    expect(m.get('ana', 0)).toBeUndefined();
    m.apply(live('ana', 7, 12_000), 0);
    expect(m.get('ana', 0)).toMatchObject({ agentId: 'ana', companyId: 'co', online: true, leaseExpiresAt: 12_000 });
  });

  it('counts a lease only until its deadline, even if the expiry message never arrives', () => {
    const m = new LeaseMirror();
    m.apply(live('ben', 1, 10_000), 0);
    expect(m.get('ben', 9_999)?.live).toBe(true);
    expect(m.get('ben', 10_000)).toBeUndefined();
    expect(m.snapshot('co', 10_000)).toEqual([]);
  });

  it("liveState (routing's read) answers registration and call state until the deadline, as get() does", () => {
    const m = new LeaseMirror();
    m.apply(live('ben', 1, 10_000, { sip: false, cs: 'active' }), 0);
    m.apply(live('cy', 1, 10_000), 0);
    expect(m.liveState('ben', 9_999)).toEqual({ sipRegistered: false, callState: 'active' });
    expect(m.liveState('cy', 9_999)).toEqual({ sipRegistered: true, callState: null });
    expect(m.liveState('ben', 10_000)).toBeUndefined();
    expect(m.liveState('nobody', 0)).toBeUndefined();
  });

  it('a resync replaces what it is newer than and drops leases it no longer holds', () => {
    const m = new LeaseMirror();
    m.apply(live('ana', 3, 10_000), 0);
    m.apply(live('cy', 9, 10_000), 0); // newer than the snapshot: kept
    m.resync(8, [live('ben', 0, 11_000)], 0);
    expect(
      m
        .snapshot('co', 0)
        .map((l) => l.agentId)
        .sort(),
    ).toEqual(['ben', 'cy']);
  });

  it('prunes tombstones after a while, not live leases', () => {
    const m = new LeaseMirror();
    m.apply(gone('ana', 4), 0);
    m.apply(live('ben', 5, 99_000), 0);
    m.prune(1);
    m.apply(live('ana', 2, 99_000), 2); // after pruning an old version is accepted again (nothing newer is known)
    expect(
      m
        .live(2)
        .map((l) => l.agentId)
        .sort(),
    ).toEqual(['ana', 'ben']);
  });

  it('prunes only tombstones older than the cut, by when they were last written', () => {
    const m = new LeaseMirror();
    m.apply(gone('ana', 4), 0);
    m.apply(gone('ben', 4), 10);
    m.apply(live('cy', 4, 99_000), 0);
    m.apply(gone('ana', 6), 20); // written again: now younger than ben's
    m.prune(15);
    // ben's tombstone is gone (an older version is accepted again); ana's is kept (an older version is still refused).
    m.apply(live('ben', 1, 99_000), 30);
    m.apply(live('ana', 5, 99_000), 30);
    expect(
      m
        .live(30)
        .map((l) => l.agentId)
        .sort(),
    ).toEqual(['ben', 'cy']);
    m.prune(100);
    expect(m.state('cy')?.a, 'a live lease is never pruned').toBe('cy');
  });

  it('applies a batch of plain renewals to live leases the batch is newer than, and to nothing else', () => {
    const m = new LeaseMirror();
    m.apply(live('ana', 3, 10_000), 0);
    m.apply(live('ben', 9, 10_000), 0); // newer than the batch: already includes its renewal
    m.apply(gone('cy', 2), 0); // not live here: its live state is still on its way
    m.renew({ v: 5, r: ['ana', 8_000, 11_000, 'ben', 8_000, 11_000, 'cy', 8_000, 11_000, 'dan', 8_000, 11_000] }, 0);
    expect(m.get('ana', 10_500)).toMatchObject({ lastSeenAt: 8_000, leaseExpiresAt: 11_000, online: true, companyId: 'co' });
    expect(m.get('ben', 10_500)).toBeUndefined();
    expect(m.get('cy', 0)).toBeUndefined();
    expect(m.get('dan', 0)).toBeUndefined();
    m.apply(live('ana', 4, 10_000), 0); // older than the renewal: ignored
    expect(m.get('ana', 10_500)?.leaseExpiresAt).toBe(11_000);
  });

  it('a renewal answered locally extends the lease until a shared state replaces it', () => {
    const m = new LeaseMirror();
    m.apply(live('ana', 3, 10_000), 0);
    m.renewLocal('ana', 9_000, 12_000);
    expect(m.get('ana', 11_000)).toMatchObject({ lastSeenAt: 9_000, leaseExpiresAt: 12_000 });
    m.renewLocal('ben', 9_000, 12_000); // unknown: nothing to extend
    expect(m.get('ben', 0)).toBeUndefined();
    m.apply(gone('ana', 4), 0);
    expect(m.get('ana', 0)).toBeUndefined();
  });
});

describe('event serialisation across instances', () => {
  it('keeps Dates as Dates', () => {
    const event = { at: new Date(1_700_000_000_000), presence: { lastSeen: new Date(5), leaseExpiresAt: null, name: 'x' } };
    expect(parseWithDates(stringifyWithDates(event))).toEqual(event);
  });
});

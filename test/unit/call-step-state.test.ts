/**
 * What a decision reads and writes of the calls in progress: reservations indexed both ways (a call's
 * end releases only its own agents), and the last ring document kept per company (the same bytes a
 * render gives, rendered again whenever anything it shows changes).
 */
import { describe, expect, it } from 'vitest';
import { callbackUrls, voiceDocument } from '../../src/domain/call-flow.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { RoutePlan, RoutingPolicy } from '../../src/domain/routing.js';
import { renderTexml } from '../../src/domain/texml.js';
import { CallSessions } from '../../src/calls/call-sessions.js';
import { renderVoiceDocument } from '../../src/calls/voice-documents.js';
import { DEFAULT_POLICY } from '../../src/services/directory.js';

const T0 = Date.UTC(2026, 10, 28, 9);

describe('CallSessions reservations', () => {
  it("a call's end releases its own agents and nobody else's; a reservation moved to another call stays with it", () => {
    const clock = new ManualClock(T0);
    const expired: string[] = [];
    const sessions = new CallSessions({ clock, onReservationExpired: (agentId, callSid) => expired.push(`${agentId}@${callSid}`) });
    for (const callSid of ['c1', 'c2']) sessions.start({ callSid, companyId: 'co', from: '+1', to: '+2' });
    expect(sessions.ring('c1', ['a1', 'a2'], 20, { reserve: true })).toEqual(['a1', 'a2']);
    expect(sessions.ring('c2', ['a2', 'a3'], 20, { reserve: true })).toEqual(['a3']); // a2 is c1's
    const read = sessions.reservationReader();
    expect(['a1', 'a2', 'a3', 'a4'].map(read)).toEqual(['c1', 'c1', 'c2', undefined]);

    sessions.end('c1', 'ABANDONED');
    expect(['a1', 'a2', 'a3'].map((a) => sessions.reservedFor(a))).toEqual([undefined, undefined, 'c2']);
    // a2 free again: c2 may take it; c1's end again changes nothing.
    expect(sessions.reserve('a2', 'c2', 20)).toBe(true);
    sessions.end('c1', 'ABANDONED');
    expect(['a2', 'a3'].map((a) => sessions.reservedFor(a))).toEqual(['c2', 'c2']);

    // Past the ring timeout and grace, each reservation expires on its own deadline, once.
    clock.advance(31_000);
    expect(['a2', 'a3'].map((a) => sessions.isReserved(a))).toEqual([false, false]);
    expect(expired.sort()).toEqual(['a2@c2', 'a3@c2']);
    sessions.stop();
  });

  it('a missed step releases what it reserved, and the agents can ring for the next call', () => {
    const sessions = new CallSessions({ clock: new ManualClock(T0) });
    for (const callSid of ['c1', 'c2']) sessions.start({ callSid, companyId: 'co', from: '+1', to: '+2' });
    sessions.ring('c1', ['a1'], 20, { reserve: true });
    expect(sessions.ring('c2', ['a1'], 20, { reserve: true })).toEqual([]);
    expect(sessions.stepMissed('c1')).toEqual(['a1']);
    expect(sessions.ring('c2', ['a1'], 20, { reserve: true })).toEqual(['a1']);
    expect(sessions.reservedFor('a1')).toBe('c2');
    sessions.stop();
  });
});

describe('CallSessions ring steps', () => {
  it('keeps a step as one list: what rings, its timeline event and the first offers; later steps extend a copy', () => {
    const clock = new ManualClock(T0);
    const sessions = new CallSessions({ clock });
    const session = sessions.start({ callSid: 'c1', companyId: 'co', from: '+1', to: '+2' });
    const first = ['a1', 'a2'];
    sessions.ring('c1', first, 20, { reserve: false });
    expect(session.ringing).toBe(first);
    expect(session.offered).toBe(first);
    clock.advance(20_000);
    expect(sessions.stepMissed('c1')).toBe(first);
    sessions.ring('c1', ['a2', 'a3'], 20, { reserve: false });
    // The first step's list is never changed: its timeline event still names its own agents.
    expect(first).toEqual(['a1', 'a2']);
    expect(session.offered).toEqual(['a1', 'a2', 'a3']);
    expect(session.timeline).toEqual([
      { at: T0, kind: 'arrived' },
      { at: T0, kind: 'offered', agentIds: ['a1', 'a2'] },
      { at: T0 + 20_000, kind: 'missed', agentIds: ['a1', 'a2'] },
      { at: T0 + 20_000, kind: 'offered', agentIds: ['a2', 'a3'] },
    ]);
    // A step of agents all offered before leaves the list as it was.
    const offered = session.offered;
    sessions.ring('c1', ['a3'], 20, { reserve: false });
    expect(session.offered).toBe(offered);
    sessions.stop();
  });
});

describe('renderVoiceDocument', () => {
  const policy: RoutingPolicy = { ...DEFAULT_POLICY };
  const ring = (sipUsernames: string[], timeoutSeconds = 25): RoutePlan => ({
    kind: 'RING',
    targets: sipUsernames.map((sipUsername, i) => ({ agentId: `ag${i}`, sipUsername })),
    timeoutSeconds,
    tier: 1,
    reserve: false,
    widened: false,
    skipped: [],
  });
  const rendered = (plan: RoutePlan, p: RoutingPolicy, urls: ReturnType<typeof callbackUrls>) =>
    renderTexml(voiceDocument(plan, p, urls, '+15550001'));

  it('answers what a render answers, call after call, whatever changes between them', () => {
    const urls = callbackUrls('https://voice.example.com', 'co1', {});
    const otherCompany = callbackUrls('https://voice.example.com', 'co2', {});
    const steps: [RoutePlan, RoutingPolicy, ReturnType<typeof callbackUrls>][] = [
      [ring(['alice', 'bob']), policy, urls],
      [ring(['alice', 'bob']), policy, urls], // the same ring group again
      [ring(['alice', 'bob', 'carol']), policy, urls], // one more agent online
      [ring(['bob', 'alice', 'carol']), policy, urls], // another order
      [ring(['bob', 'alice', 'carol'], 30), policy, urls], // another timeout
      [ring(['bob', 'alice', 'carol'], 30), { ...policy, ringTone: 'uk' }, urls], // another ring tone
      [ring(['bob', 'alice', 'carol'], 30), { ...policy, ringTone: 'uk' }, otherCompany], // another company's URLs
      [ring(['alice']), policy, urls],
      [{ kind: 'FALLBACK', fallback: 'VOICEMAIL', reason: 'NO_AGENTS', skipped: [] }, policy, urls],
      [ring(['alice']), policy, urls],
    ];
    const seen = new Set<string>();
    for (const [plan, p, u] of steps) {
      const texml = renderVoiceDocument(plan, p, u, '+15550001');
      expect(texml).toBe(rendered(plan, p, u));
      seen.add(texml);
    }
    expect(seen.size).toBe(8); // the repeats are the only equal answers
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, Sessions } from '../../src/auth/sessions.js';
import type { Viewer } from '../../src/auth/tokens.js';

afterEach(() => vi.useRealTimers());

const DAY = 24 * 3600_000;
const agent = (expiresAt: number): Viewer => ({ role: 'agent', companyId: 'co', agentId: 'ag', expiresAt });
const supervisor = (expiresAt: number): Viewer => ({ role: 'supervisor', companyId: 'co', expiresAt });

describe('Sessions', () => {
  it('ends a connection exactly at its expiry, even past the 24.8-day limit of one timer (90-day tokens)', () => {
    vi.useFakeTimers({ now: 0 });
    const sessions = new Sessions();
    const closes: [number, string][] = [];
    sessions.open(supervisor(90 * DAY), 'token', { kind: 'socket', close: (code, reason) => closes.push([code, reason]) });
    vi.advanceTimersByTime(90 * DAY - 1);
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(closes).toEqual([[CLOSE_UNAUTHORIZED, 'token expired']]);
  });

  it('a released connection neither expires nor counts; revocation closes what is open, per agent or per company', () => {
    vi.useFakeTimers({ now: 0 });
    const sessions = new Sessions();
    const closed: string[] = [];
    const release = sessions.open(agent(1000), 'a', { kind: 'socket', close: () => closed.push('released') });
    sessions.open(agent(DAY), 'b', { kind: 'socket', close: (code) => closed.push(`socket ${code}`) });
    sessions.open(agent(DAY), 'b', { kind: 'stream', close: (code) => closed.push(`stream ${code}`) });
    sessions.open(supervisor(DAY), 's', { kind: 'socket', close: (code) => closed.push(`supervisor ${code}`) });
    expect(sessions.socketCount(agent(DAY), null)).toBe(2); // agents: all their tokens together; streams are not sockets
    release();
    vi.advanceTimersByTime(2000);
    expect(closed).toEqual([]);
    expect(sessions.socketCount(agent(DAY), null)).toBe(1);
    expect(sessions.closeAgent('ag')).toBe(2);
    expect(closed).toEqual([`socket ${CLOSE_FORBIDDEN}`, `stream ${CLOSE_FORBIDDEN}`]);
    expect(sessions.closeSupervisors('co')).toBe(1);
    expect(sessions.socketCount(supervisor(DAY), 's')).toBe(1); // counted per token until its socket reports closing
    expect(sessions.socketCount(supervisor(DAY), 'other')).toBe(0);
  });
});

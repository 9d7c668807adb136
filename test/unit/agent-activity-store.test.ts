import { describe, expect, it } from 'vitest';
import { newActivity } from '../../src/domain/agent-activity.js';
import { InMemoryAgentActivityStore, type AgentCallActivity } from '../../src/calls/agent-activity-store.js';

describe('agent activity store (in memory)', () => {
  it("keeps each agent's activity and tells presence how many calls it is on", () => {
    const store = new InMemoryAgentActivityStore();
    const presenceView: AgentCallActivity = store; // what the presence service is handed
    expect(presenceView.activeCalls('ana')).toBe(0);
    store.set('ana', { ...newActivity('2026-1-5'), onCallSid: 'v3:1', callEventAt: 1000 });
    store.set('ben', newActivity('2026-1-5'));
    expect(presenceView.activeCalls('ana')).toBe(1);
    expect(presenceView.activeCalls('ben')).toBe(0);
    expect(
      store
        .entries()
        .map(([id]) => id)
        .sort(),
    ).toEqual(['ana', 'ben']);
    store.set('ana', { ...store.get('ana')!, onCallSid: null });
    expect(presenceView.activeCalls('ana')).toBe(0);
    store.delete('ben');
    expect(store.get('ben')).toBeUndefined();
    expect(store.entries().map(([id]) => id)).toEqual(['ana']);
  });

  it('getFor answers as get does, through the record kept on the holder, and follows a deleted agent to its new record', () => {
    const store = new InMemoryAgentActivityStore();
    const holder: { id: string; activityRecord?: unknown } = { id: 'ana' };
    const same = () => {
      const kept = store.getFor(holder);
      expect(kept).toBe(store.get('ana'));
      return kept;
    };
    expect(same()).toBeUndefined();
    store.set('ana', newActivity('2026-1-5'));
    expect(same()).toMatchObject({ day: '2026-1-5', callsToday: 0 });
    const record = holder.activityRecord;
    expect(record).toBeDefined();
    store.set('ana', { ...store.get('ana')!, callsToday: 3 }); // replaced: the kept record follows
    expect(same()).toMatchObject({ callsToday: 3 });
    expect(holder.activityRecord).toBe(record);
    store.delete('ana');
    expect(same()).toBeUndefined();
    store.set('ana', { ...newActivity('2026-1-6'), callsToday: 1 });
    expect(same()).toMatchObject({ day: '2026-1-6', callsToday: 1 });
    expect(holder.activityRecord).not.toBe(record);
  });
});

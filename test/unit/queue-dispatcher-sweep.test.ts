/**
 * The queue dispatcher's sweep in multi-instance mode (src/calls/queue-dispatcher.ts): reading the
 * companies waiting from Redis is part of the work it starts on its own, so it counts as in flight
 * (`inFlight`) from the read until the dispatch it pokes has run; on virtual time no jump can fall
 * between a sweep and the offer it leads to.
 */
import { describe, expect, it } from 'vitest';
import { QueueDispatcher } from '../../src/calls/queue-dispatcher.js';
import type { SharedWaitingList } from '../../src/calls/waiting-list.js';
import { WaitingList } from '../../src/calls/waiting-list.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/infra/logger.js';

describe('the queue sweep with a shared waiting list', () => {
  it('holds in-flight work from the Redis read until the dispatch it pokes is over', async () => {
    let answer!: (ids: string[]) => void;
    const shared = { companiesWaiting: () => new Promise<string[]>((resolve) => (answer = resolve)) };
    const looked: string[] = [];
    let inFlight = 0;
    const dispatcher = new QueueDispatcher({
      clock: new ManualClock(0),
      logger: createLogger('silent'),
      // The dispatch itself: the company is looked up (and is gone here, so nothing more happens).
      directory: { company: async (id: string) => (looked.push(id), null) } as never,
      scope: {} as never,
      queueing: {} as never,
      waiting: new WaitingList(),
      shared: shared as unknown as SharedWaitingList,
      urls: () => ({}) as never,
      control: {} as never,
      inFlight: { begin: () => void inFlight++, end: () => void inFlight-- },
    });

    const sweeping = dispatcher.sweep();
    expect(inFlight).toBe(1); // Redis has not answered yet
    answer(['company-a']);
    await sweeping;
    expect(inFlight).toBe(1); // handed over to the poke's dispatch, with no gap
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(looked).toEqual(['company-a']);
    expect(inFlight).toBe(0);
  });

  it('holds nothing once a failed read is logged, and pokes the companies known here', async () => {
    const waiting = new WaitingList();
    waiting.put({
      callSid: 'c1',
      companyId: 'company-local',
      queueId: 'q',
      from: '+15550001',
      to: '+15550002',
      enqueuedAt: 0,
      priority: 0,
      requiredSkills: null,
      language: null,
      speechLanguage: 'en-US',
      state: 'WAITING',
      offeredTo: null,
      offeredAt: null,
      missed: [],
      callback: null,
    });
    const looked: string[] = [];
    let inFlight = 0;
    const dispatcher = new QueueDispatcher({
      clock: new ManualClock(0),
      logger: createLogger('silent'),
      directory: { company: async (id: string) => (looked.push(id), null) } as never,
      scope: {} as never,
      queueing: {} as never,
      waiting,
      shared: { companiesWaiting: () => Promise.reject(new Error('redis down')) } as unknown as SharedWaitingList,
      urls: () => ({}) as never,
      control: {} as never,
      inFlight: { begin: () => void inFlight++, end: () => void inFlight-- },
    });
    await dispatcher.sweep();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(looked).toEqual(['company-local']);
    expect(inFlight).toBe(0);
  });
});

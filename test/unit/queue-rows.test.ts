/**
 * The pure parts of queues as data: a queue row becoming the domain's QueuePolicy (and what is
 * repaired on the way: overflows that name nothing, a company without a default), and the checks of
 * a queue's settings that need no database (ranges, hold music URLs).
 */
import { describe, expect, it } from 'vitest';
import { fallbackDefaultQueue, queueOf, queuePolicyOf, queuesOf, type QueueRow } from '../../src/services/directory-rows.js';
import { holdMusicUrlProblem, queueFieldProblems } from '../../src/services/queue-settings.js';

function row(id: string, fields: Partial<QueueRow> = {}): QueueRow {
  return {
    id,
    name: id,
    isDefault: false,
    requiredSkills: null,
    mode: null,
    ringTimeoutSeconds: null,
    businessHours: null,
    waitEnabled: true,
    maxWaitSeconds: 300,
    maxSize: 50,
    overflowKind: 'VOICEMAIL',
    overflowNumber: null,
    overflowQueueId: null,
    holdMusicUrl: null,
    announceEverySeconds: 30,
    waitForAgents: false,
    serviceLevelSeconds: 20,
    callbackEnabled: true,
    callbackRetries: 2,
    recording: 'ON_DEMAND',
    callbackRetryDelaySeconds: 60,
    ...fields,
  };
}

describe('queue rows → QueuePolicy', () => {
  const ids = new Set(['a', 'b']);

  it.each([
    ['VOICEMAIL', {}, { kind: 'VOICEMAIL' }],
    ['HANGUP', { overflowKind: 'HANGUP' }, { kind: 'HANGUP' }],
    ['NUMBER', { overflowKind: 'NUMBER', overflowNumber: '+13055550100' }, { kind: 'NUMBER', number: '+13055550100' }],
    ['NUMBER without a number', { overflowKind: 'NUMBER' }, { kind: 'VOICEMAIL' }],
    ['QUEUE', { overflowKind: 'QUEUE', overflowQueueId: 'b' }, { kind: 'QUEUE', queueId: 'b' }],
    ['QUEUE without a queue', { overflowKind: 'QUEUE' }, { kind: 'VOICEMAIL' }],
    ['QUEUE into a queue that is gone', { overflowKind: 'QUEUE', overflowQueueId: 'gone' }, { kind: 'VOICEMAIL' }],
    ['QUEUE into itself', { overflowKind: 'QUEUE', overflowQueueId: 'a' }, { kind: 'VOICEMAIL' }],
  ] as const)('overflow %s', (_what, fields, overflow) => {
    expect(queuePolicyOf(row('a', fields as Partial<QueueRow>), ids).overflow).toEqual(overflow);
  });

  it('routing overrides are present only when set; skills are parsed, and one that no longer parses means none', () => {
    const hours = { timeZone: 'UTC', weekly: { MON: [{ open: '09:00', close: '17:00' }] }, closures: [] };
    expect(queuePolicyOf(row('a'), ids).routing).toEqual({});
    expect(queuePolicyOf(row('a', { mode: 'SEQUENTIAL', ringTimeoutSeconds: 15, businessHours: hours }), ids).routing).toEqual({
      mode: 'SEQUENTIAL',
      ringTimeoutSeconds: 15,
      businessHours: hours,
    });
    expect(queuePolicyOf(row('a', { requiredSkills: 'es>=5' }), ids).requiredSkills).toEqual({
      op: 'has',
      skill: 'es',
      cmp: '>=',
      level: 5,
    });
    expect(queuePolicyOf(row('a', { requiredSkills: '((' }), ids).requiredSkills).toBeNull();
  });

  it('the default comes first, whatever the row order', () => {
    const queues = queuesOf('c1', [row('a'), row('b', { isDefault: true })]);
    expect(queues.map((q) => [q.id, q.isDefault])).toEqual([
      ['b', true],
      ['a', false],
    ]);
    expect(queueOf({ queues }, null).id).toBe('b');
    expect(queueOf({ queues }, 'a').id).toBe('a');
    expect(queueOf({ queues }, 'unknown').id).toBe('b');
  });

  it('a company without queue rows gets an in-memory default; rows without a default make the first one it; two defaults become one', () => {
    expect(queuesOf('c1', [])).toEqual([fallbackDefaultQueue('c1')]);
    expect(fallbackDefaultQueue('c1')).toMatchObject({ id: 'default:c1', isDefault: true, overflow: { kind: 'VOICEMAIL' }, maxSize: 50 });
    expect(queuesOf('c1', [row('a'), row('b')]).map((q) => [q.id, q.isDefault])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(queuesOf('c1', [row('a', { isDefault: true }), row('b', { isDefault: true })]).map((q) => [q.id, q.isDefault])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe('queue settings', () => {
  it.each([
    ['https://cdn.example.com/hold.mp3', null],
    ['https://cdn.example.com/music/Hold.WAV?v=2', null],
    ['http://localhost:8080/hold.mp3', null],
    ['http://127.0.0.1/hold.wav', null],
    ['http://cdn.example.com/hold.mp3', /https URL/],
    ['http://localhost.example.com/hold.mp3', /https URL/],
    ['ftp://localhost/hold.mp3', /https URL/],
    ['/hold.mp3', /absolute URL/],
    ['https://cdn.example.com/hold.mp3.txt', /\.mp3 or \.wav/],
    ['https://cdn.example.com/hold', /\.mp3 or \.wav/],
    [`https://cdn.example.com/${'a'.repeat(2000)}.mp3`, /at most 2000/],
  ])('hold music %s', (url, problem) => {
    const found = holdMusicUrlProblem(url);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('every range at both ends', () => {
    const ok = {
      maxWaitSeconds: [10, 14_400],
      maxSize: [1, 1000],
      announceEverySeconds: [0, 10, 600],
      serviceLevelSeconds: [1, 3600],
      callbackRetries: [0, 5],
      callbackRetryDelaySeconds: [10, 3600],
      ringTimeoutSeconds: [5, 120],
    };
    const bad = {
      maxWaitSeconds: [9, 14_401, 10.5],
      maxSize: [0, 1001],
      announceEverySeconds: [-1, 9, 601],
      serviceLevelSeconds: [0, 3601],
      callbackRetries: [-1, 6],
      callbackRetryDelaySeconds: [9, 3601],
      ringTimeoutSeconds: [4, 121],
    };
    for (const [field, values] of Object.entries(ok)) {
      for (const value of values) expect(queueFieldProblems({ [field]: value }), `${field} ${value}`).toEqual([]);
    }
    for (const [field, values] of Object.entries(bad)) {
      for (const value of values)
        expect(queueFieldProblems({ [field]: value }), `${field} ${value}`).toEqual([expect.stringMatching(`^input.${field}: `)]);
    }
  });

  it('nothing given, nothing wrong; "" clears rather than fails', () => {
    expect(queueFieldProblems({})).toEqual([]);
    expect(queueFieldProblems({ requiredSkills: '', holdMusicUrl: '', overflowNumber: '' })).toEqual([]);
  });
});

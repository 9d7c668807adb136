import { describe, expect, it } from 'vitest';
import { CallsTally, groupRequests, kindOf, loggedOutcomes, scenarioText } from '../../bench/lib/calls.js';
import { parseScenario } from '../../src/simulator/scenario.js';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import type { WebhookExchange } from '../../src/simulator/webhook-client.js';

const exchange = (url: string, ms: number, status = 200): WebhookExchange => ({
  at: 0,
  method: 'POST',
  url,
  params: {},
  status,
  contentType: 'application/xml',
  body: '',
  ms,
});

function result(outcome: CallResult['outcome'], errors: string[] = []): CallResult {
  const voice = exchange('http://s/telnyx/voice', 4);
  const action = exchange('http://s/telnyx/voice/c?step=dial', 6);
  const status = exchange('http://s/telnyx/status/c', 2, 500);
  const steps: Step[] = [
    { kind: 'fetch', at: 0, line: '', purpose: 'voice URL', exchange: voice },
    { kind: 'fetch', at: 1, line: '', purpose: 'Dial action', exchange: action },
    { kind: 'callback', at: 2, line: '', purpose: 'status', exchange: status },
  ];
  return {
    callSid: 'v3:x',
    from: '+1',
    to: '+2',
    outcome,
    answeredBy: null,
    startedAt: 0,
    duration: 3,
    steps,
    requests: [voice, action, status],
    errors,
  };
}

describe('the calls scenario of the benchmark', () => {
  it('mixes three answered calls, one abandoned and one voicemail in every five', () => {
    const kinds = Array.from({ length: 10 }, (_, i) => kindOf(i));
    expect(kinds.filter((k) => k === 'answered')).toHaveLength(6);
    expect(kinds.filter((k) => k === 'voicemail')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'abandoned')).toHaveLength(2);
  });

  it('says each kind in the scenario language the simulator reads', () => {
    const answered = parseScenario(
      scenarioText('answered', { from: '+12025550000', to: '+15550000001', agents: ['bench.ag.10', 'bench.ag.11'] }),
    );
    expect(answered.to).toBe('+15550000001');
    expect([...answered.phones.keys()]).toEqual(['bench.ag.10', 'bench.ag.11']);
    expect(answered.phones.get('bench.ag.11')).toMatchObject({ does: 'answer', afterSeconds: 1 });
    expect(answered.caller.talkSeconds).toBe(2);

    const abandoned = parseScenario(scenarioText('abandoned', { from: '+1', to: '+2', agents: ['a'] }));
    expect(abandoned.phones.get('a')).toMatchObject({ does: 'ignore' });
    expect(abandoned.caller.hangUpAt).toBe(1.5);

    const voicemail = parseScenario(scenarioText('voicemail', { from: '+1', to: '+2', agents: [] }));
    expect(voicemail.phones.size).toBe(0);
    expect(voicemail.caller.message).toEqual({ seconds: 2, ending: 'hang-up' });
  });

  it('groups a call’s requests by what they were for, from its steps', () => {
    expect(groupRequests(result('ANSWERED')).map((r) => [r.group, r.ms, r.ok])).toEqual([
      ['voiceUrl', 4, true],
      ['actions', 6, true],
      ['callbacks', 2, false],
    ]);
  });

  it('tallies outcomes against each kind’s expected one; a call with errors is not as expected', () => {
    const tally = new CallsTally();
    for (const k of ['answered', 'answered', 'voicemail'] as const) tally.placed(k);
    tally.finished('answered', result('ANSWERED'), 10);
    tally.finished('answered', result('ANSWERED', ['voice URL: answered 500\n  detail']), null);
    tally.finished('voicemail', result('ABANDONED'), 12);
    const s = tally.summary();
    expect(s.completed).toBe(3);
    expect(s.kinds.answered).toEqual({ placed: 2, expected: 'ANSWERED', asExpected: 1, outcomes: { ANSWERED: 2 } });
    expect(s.kinds.voicemail).toMatchObject({ placed: 1, asExpected: 0, outcomes: { ABANDONED: 1 } });
    expect(s.callsWithErrors).toBe(1);
    expect(s.errorSamples).toEqual(['voice URL: answered 500']);
    expect(s.requests.voiceUrl.count).toBe(3);
    expect(s.failedRequests).toBe(3);
    expect(s.setupMs.count).toBe(2);
  });

  it('reads the service’s call log per kind, counting calls it never logged', () => {
    const logged = loggedOutcomes(
      [
        ['a', 'answered'],
        ['b', 'answered'],
        ['c', 'voicemail'],
      ],
      { a: 'ANSWERED', c: 'HUNG_UP' },
    );
    expect(logged.answered).toEqual({ outcomes: { ANSWERED: 1, 'not logged': 1 }, asExpected: 1 });
    expect(logged.voicemail).toEqual({ outcomes: { HUNG_UP: 1 }, asExpected: 0 });
    expect(logged.abandoned).toEqual({ outcomes: {}, asExpected: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { parsePhoneBook, parseScenario, resolvePhones, ScenarioError } from '../../src/simulator/scenario.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';

describe('the scenario language', () => {
  it("reads the issue's example", () => {
    const s = parseScenario('call from +15551230000 to +13055550100; press 2; agent ana answers after 3 s; caller hangs up at 40 s');
    expect(s.from).toBe('+15551230000');
    expect(s.to).toBe('+13055550100');
    expect(s.caller.digits).toEqual([{ keys: '2', afterSeconds: 1 }]);
    expect(s.caller.hangUpAt).toBe(40);
    // A caller who hangs up at a given moment talks until then.
    expect(s.caller.talkSeconds).toBe(Infinity);
    expect(s.phones.get('ana')).toEqual({ does: 'answer', afterSeconds: 3, hangsUpAfterSeconds: null });
  });

  it('reads every statement form, on lines or after semicolons, in any case', () => {
    const s = parseScenario(`Call from +1555 to +1305
      press 12# after 2.5 s
      agent ana declines after 4 s
      agent ben answers and hangs up after 20 seconds
      agent cy does not answer
      number +17865550199 answers after 1 s
      caller talks for 45 s
      caller leaves a 12 s message and presses #`);
    expect(s.caller).toMatchObject({
      digits: [{ keys: '12#', afterSeconds: 2.5 }],
      hangUpAt: null,
      talkSeconds: 45,
      message: { seconds: 12, ending: 'finish-key' },
    });
    expect(Object.fromEntries(s.phones)).toEqual({
      ana: { does: 'decline', afterSeconds: 4, hangsUpAfterSeconds: null },
      ben: { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: 20 },
      cy: { does: 'ignore', afterSeconds: 2, hangsUpAfterSeconds: null },
      '+17865550199': { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: null },
    });
    expect(parseScenario('call from 1 to 2; caller leaves no message').caller.message).toEqual({ seconds: 0, ending: 'hang-up' });
  });

  it('reads keys pressed at a moment of the call, in time order, apart from the keys for the next Gather', () => {
    const s = parseScenario('call from +1 to +2; press 1 at 25 s; press 2; press 9 at 7.5 s');
    expect(s.caller.keysAt).toEqual([
      { keys: '9', atSeconds: 7.5 },
      { keys: '1', atSeconds: 25 },
    ]);
    expect(s.caller.digits).toEqual([{ keys: '2', afterSeconds: 1 }]);
  });

  it('reads a phone book: agent and number statements, and "is not scripted" to take one out', () => {
    const book = parsePhoneBook(
      'agent ana answers after 1 s and hangs up after 20 s\nnumber +15551230000 answers after 2 s; agent ben is not scripted',
    );
    expect(Object.fromEntries(book)).toEqual({
      ana: { does: 'answer', afterSeconds: 1, hangsUpAfterSeconds: 20 },
      '+15551230000': { does: 'answer', afterSeconds: 2, hangsUpAfterSeconds: null },
      ben: null,
    });
    expect(() => parsePhoneBook('agent ana answers; caller hangs up at 3 s')).toThrow(/phone book: cannot read "caller hangs up at 3 s"/);
  });

  it.each([
    ['press 2', /must say "call from <number> to <number>"/],
    ['call from +1 to +2; agent ana picks up', /cannot read "agent ana picks up"/],
    ['call from +1 to +2; press two', /cannot read "press two"/],
  ])('%j is an error that says why', (text, message) => {
    expect(() => parseScenario(text)).toThrow(ScenarioError);
    expect(() => parseScenario(text)).toThrow(message);
  });

  it('maps agent names to SIP usernames, leaving unknown names as they are', () => {
    const phones = parseScenario('call from 1 to 2; agent ana answers; agent demo.ben declines').phones;
    expect([...resolvePhones(phones, { ana: 'demo.ana' }).keys()]).toEqual(['demo.ana', 'demo.ben']);
  });
});

describe('VirtualClock', () => {
  it('jumps from one simulator timer to the next while idle, firing the service timers on the way in order', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(15_000, () => fired.push('service sweep at 15 s'));
    clock.setTimer(3_600_000, () => fired.push('service lease at 1 h'));
    const call = new Promise<number>((resolve) => {
      clock.driving.setTimer(20_000, () => {
        fired.push('ring timeout at 20 s');
        clock.driving.setTimer(30_000, () => resolve(clock.now()));
      });
    });
    const started = Date.now();
    expect(await clock.run(call)).toBe(30_000);
    expect(Date.now() - started).toBeLessThan(1000);
    // The service's own timers never drive time: the lease an hour away is still pending.
    expect(fired).toEqual(['service sweep at 15 s', 'ring timeout at 20 s']);
  });

  it('stands still while a request is in flight', async () => {
    const clock = new VirtualClock(0);
    let answered = false;
    clock.busy.begin();
    setTimeout(() => {
      answered = true;
      clock.busy.end();
    }, 30);
    const timedOut = new Promise<boolean>((resolve) => clock.driving.setTimer(5_000, () => resolve(answered)));
    expect(await clock.run(timedOut)).toBe(true);
  });
});

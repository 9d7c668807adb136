import { describe, expect, it } from 'vitest';
import { createInMemoryPubSub, ListenedEventTarget } from '../../src/infra/pubsub.js';

type Topics = { 'calls:changed': [companyId: string, callSid: string] };

/** The next event of a subscription, or 'none' if nothing arrives within a few ticks. */
async function nextOrNone(iterator: AsyncIterator<string>): Promise<string> {
  const none = new Promise<string>((resolve) => setTimeout(() => resolve('none'), 20));
  return Promise.race([iterator.next().then((r) => (r.done ? 'done' : r.value)), none]);
}

describe('in-memory pub/sub', () => {
  it('delivers to every subscriber of the company, and to nobody once they have all left', async () => {
    const pubsub = createInMemoryPubSub<Topics>();
    const first = pubsub.subscribe('calls:changed', 'co-1')[Symbol.asyncIterator]();
    const second = pubsub.subscribe('calls:changed', 'co-1')[Symbol.asyncIterator]();
    const other = pubsub.subscribe('calls:changed', 'co-2')[Symbol.asyncIterator]();
    const firstNext = first.next();
    const secondNext = second.next();
    const otherNext = nextOrNone(other);
    pubsub.publish('calls:changed', 'co-1', 'CA1');
    expect((await firstNext).value).toBe('CA1');
    expect((await secondNext).value).toBe('CA1');
    expect(await otherNext).toBe('none');

    await first.return?.();
    const stillThere = second.next();
    pubsub.publish('calls:changed', 'co-1', 'CA2');
    expect((await stillThere).value).toBe('CA2');
    await second.return?.();
    await other.return?.();
  });

  it('knows which types have listeners, counting a listener once per capture flag', () => {
    const target = new ListenedEventTarget();
    const listener = () => {};
    expect(target.listened('t')).toBe(false);
    target.addEventListener('t', listener);
    target.addEventListener('t', listener); // the same listener again: EventTarget keeps one
    target.addEventListener('t', listener, { capture: true }); // a second registration
    target.removeEventListener('t', listener);
    expect(target.listened('t')).toBe(true);
    target.removeEventListener('t', listener, true);
    expect(target.listened('t')).toBe(false);
    target.removeEventListener('t', listener); // removing what is not there changes nothing
    expect(target.listened('t')).toBe(false);
  });
});

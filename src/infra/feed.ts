/**
 * A feed: what one subscription field streams, described once so that it can be delivered two ways.
 * - `streamOf(feed)`: one async iterable per subscriber (SSE, and any transport without a shared
 *   writer): the subscriber opens its own source, reads its initial events, then gets the live ones.
 * - src/graphql/shared-subscriptions.ts: one source per feed `key` for every graphql-ws subscriber on
 *   the instance, each event executed and serialised once per distinct selection and written to
 *   every socket.
 * Both keep the same order for a subscriber: the source starts before its initial events are read
 * (`ready` says when it can no longer miss an event), so no live event falls between the two.
 */
import { Repeater } from 'graphql-yoga';
import type { Clock } from '../domain/clock.js';

/** A running source of live events. */
export interface FeedSource {
  /** Resolves once no event published from now on can be missed (Redis confirmed the SUBSCRIBE). */
  ready: Promise<void>;
  close(): void;
}

export interface SharedFeed<T> {
  /** Subscribers whose feeds have the same key receive the same live events (one source between them). */
  key: string;
  /** Starts the live events: `emit` is called for each, in order, until `close()`. */
  open(emit: (event: T) => void): FeedSource;
  /** The events a new subscriber gets first (a snapshot), read once its source is ready. */
  initial?(): Iterable<T> | Promise<Iterable<T>>;
}

/**
 * A feed's source from a pub/sub subscription: listening starts now (the first `next()` adds the
 * listener), `ready` comes from the pub/sub (Redis: once the SUBSCRIBE is active).
 */
export function sourceOf<T>(subscription: AsyncIterable<T>, emit: (event: T) => void, ready?: () => Promise<void> | undefined): FeedSource {
  const it = subscription[Symbol.asyncIterator]();
  const first = it.next();
  let closed = false;
  void (async () => {
    for (let r = await first; !r.done && !closed; r = await it.next()) emit(r.value);
  })().catch(() => undefined); // the pub/sub's iterators do not throw; a closed one ends
  return {
    ready: ready?.() ?? Promise.resolve(),
    close() {
      closed = true;
      void it.return?.();
    },
  };
}

/** One subscriber's stream of a feed: its initial events, then the live ones, until it leaves. */
export function streamOf<T>(feed: SharedFeed<T>): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    const early: T[] = [];
    let live = false;
    const source = feed.open((event) => (live ? void push(event) : early.push(event)));
    void stop.then(() => source.close());
    await source.ready;
    for (const event of (await feed.initial?.()) ?? []) await push(event);
    // Events that arrived meanwhile, in order (the loop also sees those appended while it awaits).
    for (const event of early) await push(event);
    live = true;
    await stop;
  });
}

/**
 * A feed's source that recomputes a figure whenever any of `subscriptions` fires, at most once per
 * `intervalMs` (a burst of events costs one computation): the live statistics and queue views. A
 * computation that fails is logged by `onError` and the next event tries again; null emits nothing.
 */
export function recomputedOn<T>(opts: {
  subscriptions: AsyncIterable<unknown>[];
  compute: () => Promise<T | null>;
  emit: (value: T) => void;
  clock: Clock;
  intervalMs: number;
  onError: (err: unknown) => void;
}): FeedSource {
  const { clock } = opts;
  let dirty = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  const mark = () => {
    dirty = true;
    wake?.();
  };
  const sources = opts.subscriptions.map((s) => sourceOf(s, mark));
  void (async () => {
    while (!stopped) {
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (stopped) break;
      dirty = false;
      try {
        const value = await opts.compute();
        if (value !== null && !stopped) opts.emit(value);
      } catch (err) {
        opts.onError(err);
      }
      await new Promise<void>((resolve) => clock.setTimer(clock.now() + opts.intervalMs, resolve));
    }
  })();
  return {
    ready: Promise.resolve(),
    close() {
      stopped = true;
      for (const source of sources) source.close();
      wake?.();
    },
  };
}

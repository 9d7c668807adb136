/**
 * A value now, or later. The hot paths (a heartbeat, a TeXML decision) answer at once when nothing
 * has to wait, which in memory mode is nearly always: no promise, no microtask, no deadline timer.
 * What does wait (a database look-up, Redis in multi-instance mode) makes the answer a promise.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `fn` of the value: at once if it is here, when it arrives if it is a promise. */
export function mapMaybe<T, U>(value: MaybePromise<T>, fn: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

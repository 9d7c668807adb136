// A controller's state: a plain object replaced on each change, with listeners that panels subscribe
// to and unsubscribe from when they are disposed.
export interface Store<S> {
  get(): Readonly<S>;
  /** Shallow-merges `patch` and tells every listener (synchronously). */
  set(patch: Partial<S>): void;
  /** Calls `listener` now and on every change; returns the unsubscribe. */
  subscribe(listener: (state: Readonly<S>) => void): () => void;
  /** Drops every listener. */
  clear(): void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state: S = initial;
  const listeners = new Set<(state: Readonly<S>) => void>();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      for (const l of [...listeners]) l(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => void listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
}

/** What a panel gives back: its element and how to take it down (timers, listeners, subscriptions). */
export interface Panel<E extends HTMLElement = HTMLElement> {
  element: E;
  dispose(): void;
}

/** Collects teardown steps and runs each once, in reverse order. */
export class Disposer {
  private steps: (() => void)[] = [];
  private done = false;
  add(step: () => void): void {
    if (this.done) step();
    else this.steps.push(step);
  }
  interval(fn: () => void, ms: number): void {
    const id = setInterval(fn, ms);
    this.add(() => clearInterval(id));
  }
  get disposed(): boolean {
    return this.done;
  }
  dispose(): void {
    if (this.done) return;
    this.done = true;
    for (const step of this.steps.reverse()) step();
    this.steps = [];
  }
}

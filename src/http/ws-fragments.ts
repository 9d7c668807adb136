/**
 * Keeps ws's per-message garbage young. ws's receiver collects a message's frames in an array it
 * creates when the previous message ends (`this._fragments = []`). On a socket that speaks once a
 * second (a softphone's heartbeat) that empty array outlives a few minor GCs and is promoted to the
 * old generation; the next message's frame is then pushed into it, and the old array, garbage a moment
 * later, still points at that young frame. A minor GC treats every old-to-young pointer as live until
 * a major GC proves the old object dead, so each message's buffers were promoted too (nepotism).
 *
 * Measured on the mixed day (10,000 sockets, 10,000 heartbeats/s): 5.5 MB/s promoted to the old
 * generation, 40% of it from ws's receiver, three mark-compacts in 20 s. With the array created when
 * the message's first frame arrives: 1.3–2.5 MB/s, one or two mark-compacts, the server's GC time
 * 30–40% lower (bench/notes.md, round two's fifth pass).
 *
 * ws keeps these internals stable across 8.x; if they change, `keepFragmentsYoung` does nothing and
 * returns false, and its test fails.
 */
import type { WebSocket } from 'ws';

interface ReceiverInternals {
  _fragments: unknown[];
  getData(cb: unknown): void;
}

/** A message's fragments go to an array created when its first frame arrives. False if `socket` has no such receiver. */
export function keepFragmentsYoung(socket: WebSocket): boolean {
  const receiver = (socket as unknown as { _receiver?: Partial<ReceiverInternals> })._receiver;
  if (!receiver || !Array.isArray(receiver._fragments) || typeof receiver.getData !== 'function') return false;
  receiver.getData = getDataIntoFreshFragments; // one function for every socket, not a closure each
  return true;
}

function getDataIntoFreshFragments(this: ReceiverInternals, cb: unknown): void {
  if (this._fragments.length === 0) this._fragments = [];
  (Object.getPrototypeOf(this) as ReceiverInternals).getData.call(this, cb);
}

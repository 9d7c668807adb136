/**
 * The WebSocket class the GraphQL server creates for every socket (ws's `WebSocket` option): ws's own,
 * with fewer write syscalls. Beside ws's writes, frames written here keep their order on the wire:
 * with no extension negotiated (no compression) and only strings sent, ws's sender never queues and
 * writes to the same TCP socket as it sends.
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { keepFragmentsYoung } from './ws-fragments.js';
import { serverTextFrame, serverTextFrames } from './ws-text-frame.js';

/**
 * TCP sockets corked this event-loop turn, uncorked together after it (one immediate for all).
 * Writing a socket's answer after the turn's reads, with the others, rather than between them is
 * cheaper on its own: at 10k sockets heartbeating once a second, writing each answer as soon as it was
 * ready cost ~20% more CPU per heartbeat, nearly all of it in the write syscall (likely because the
 * peer has gone back to sleep between two writes).
 */
const corked: (Socket | null)[] = [];
/** How many of `corked` are this turn's: the array is reused, never shrunk (a Set's table was rebuilt every turn, thousands of entries long). */
let corkedCount = 0;

function uncorkAll(): void {
  // A socket corked while uncorking (a write it flushed) is appended, and uncorked by this same loop.
  for (let i = 0; i < corkedCount; i++) {
    corked[i]!.uncork();
    corked[i] = null;
  }
  corkedCount = 0;
}

/** Cork `socket` until the end of this turn, once. */
function corkForTurn(socket: Socket): void {
  // Corked already: by this turn's first send (nobody else corks an upgraded socket).
  if (socket.writableCorked > 0) return;
  socket.cork();
  corked[corkedCount++] = socket;
  if (corkedCount === 1) setImmediate(uncorkAll);
}

export class ServerWebSocket extends WebSocket {
  /** The TCP socket frames may be written to directly, read once (ws's `extensions` getter allocates); undefined: not read yet. */
  private direct: Socket | null | undefined;

  /** ws attaches the upgraded TCP socket here (internal to ws, not in its types): its receiver is made then. */
  setSocket(...args: unknown[]): void {
    Reflect.apply((WebSocket.prototype as unknown as { setSocket: (...a: unknown[]) => void }).setSocket, this, args);
    keepFragmentsYoung(this); // src/http/ws-fragments.ts
  }

  /**
   * graphql-ws answers every operation with two frames (`next`, then `complete`), each its own write
   * syscall: a sixth of a heartbeat's CPU. The TCP socket is corked at the first send of an
   * event-loop turn and uncorked after it, so those frames (and anything else queued meanwhile)
   * leave in one write.
   */
  override send(data: WebSocket.Data, cb?: (err?: Error) => void): void;
  override send(data: WebSocket.Data, options: Parameters<WebSocket['send']>[1], cb?: (err?: Error) => void): void;
  override send(...args: [WebSocket.Data, ...unknown[]]): void {
    const raw = (this as unknown as { _socket?: Socket })._socket;
    if (raw && !raw.destroyed) corkForTurn(raw);
    Reflect.apply(super.send, this, args);
  }

  /**
   * Text messages in one buffer (the prepared heartbeat's `next` and `complete`): no frame objects,
   * one socket write after this turn. Nothing once the socket is no longer open.
   */
  sendTexts(texts: readonly string[]): void {
    if (this.readyState !== WebSocket.OPEN) return;
    const tcp = this.directSocket();
    if (tcp) {
      if (tcp.destroyed) return;
      corkForTurn(tcp);
      tcp.write(serverTextFrames(texts));
    } else for (const text of texts) this.send(text);
  }

  /**
   * One text message from parts encoded before (a shared subscription's head, its payload encoded
   * once per group, a closing brace), written at once; `text()` is the same message as a string, for a
   * socket with an extension (it goes through ws).
   */
  sendParts(parts: readonly Uint8Array[], text: () => string): void {
    if (this.readyState !== WebSocket.OPEN) return;
    const tcp = this.directSocket();
    if (tcp) {
      if (!tcp.destroyed) tcp.write(serverTextFrame(parts));
    } else Reflect.apply(WebSocket.prototype.send, this, [text()]);
  }

  private directSocket(): Socket | null {
    if (this.direct === undefined) {
      // Negotiated in the handshake, before any message: an extension (compression) means ws frames.
      const tcp = (this as unknown as { _socket?: Socket })._socket;
      if (!tcp) return null; // not attached yet: read again next time
      this.direct = this.extensions === '' ? tcp : null;
    }
    return this.direct;
  }
}

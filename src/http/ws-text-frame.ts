/**
 * A WebSocket text message as a server puts it on the wire (RFC 6455 §5.2: FIN, opcode 1, unmasked),
 * built from parts in one buffer. A shared subscription's frame is the subscriber's head, the payload
 * encoded once per group and event, and a closing brace: one allocation and one socket write per
 * subscriber, where ws.send encodes the whole string again and writes its header and body apart.
 */
export function serverTextFrame(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x81; // FIN + text
  if (headerBytes === 2) frame[1] = length;
  else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  let at = headerBytes;
  for (const part of parts) {
    frame.set(part, at);
    at += part.length;
  }
  return frame;
}

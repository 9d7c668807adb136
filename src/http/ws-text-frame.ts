/**
 * A WebSocket text message as a server puts it on the wire (RFC 6455 §5.2: FIN, opcode 1, unmasked),
 * built from parts in one buffer. A shared subscription's frame is the subscriber's head, the payload
 * encoded once per group and event, and a closing brace: one allocation and one socket write per
 * subscriber, where ws.send encodes the whole string again and writes its header and body apart.
 */
export function serverTextFrame(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const frame = Buffer.allocUnsafe(headerBytesOf(length) + length);
  let at = writeHeader(frame, 0, length);
  for (const part of parts) {
    frame.set(part, at);
    at += part.length;
  }
  return frame;
}

/**
 * Text messages, each its own frame, one after the other in one buffer: an operation's `next` and
 * `complete` leave in one socket write, each string encoded straight into the buffer.
 */
export function serverTextFrames(texts: readonly string[]): Buffer {
  let total = 0;
  const lengths = texts.map((text) => {
    const length = Buffer.byteLength(text);
    total += headerBytesOf(length) + length;
    return length;
  });
  const frames = Buffer.allocUnsafe(total);
  let at = 0;
  for (let k = 0; k < texts.length; k++) {
    at = writeHeader(frames, at, lengths[k]!);
    at += frames.write(texts[k]!, at, 'utf8');
  }
  return frames;
}

function headerBytesOf(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** The frame's header at `at` for a payload of `length` bytes; where the payload starts. */
function writeHeader(frame: Buffer, at: number, length: number): number {
  frame[at] = 0x81; // FIN + text
  if (length < 126) {
    frame[at + 1] = length;
    return at + 2;
  }
  if (length < 65_536) {
    frame[at + 1] = 126;
    frame.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  frame[at + 1] = 127;
  frame.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
  frame.writeUInt32BE(length >>> 0, at + 6);
  return at + 10;
}

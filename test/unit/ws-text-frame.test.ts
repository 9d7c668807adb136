import type { EventEmitter } from 'node:events';
import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { serverTextFrame, serverTextFrames } from '../../src/http/ws-text-frame.js';

// ws's own framing and parsing (exported, untyped by @types/ws): what the new frames must equal.
const { Sender, Receiver } = ws as unknown as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): void };
};

/** What ws itself writes for a server's text message (header and body, as one buffer). */
function wsFrame(text: string): Buffer {
  const data = Buffer.from(text);
  const options = { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false };
  return Buffer.concat(Sender.frame(data, options));
}

describe('serverTextFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('is byte for byte what ws writes for a %i-byte message', (size) => {
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const bytes = Buffer.from(text);
    const cut = Math.floor(bytes.length / 3);
    const parts = [bytes.subarray(0, cut), bytes.subarray(cut, 2 * cut), bytes.subarray(2 * cut)];
    expect(serverTextFrame(parts).equals(wsFrame(text))).toBe(true);
  });

  it("a client's parser reads the parts as one text message", async () => {
    const receiver = new Receiver({ isServer: false });
    const message = new Promise<{ data: Buffer; isBinary: boolean }>((resolve) =>
      receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })),
    );
    receiver.write(
      serverTextFrame([Buffer.from('{"id":"7","type":"next","payload":'), Buffer.from('{"data":{"ok":"ünï"}}'), Buffer.from('}')]),
    );
    const { data, isBinary } = await message;
    expect(isBinary).toBe(false);
    expect(JSON.parse(data.toString())).toEqual({ id: '7', type: 'next', payload: { data: { ok: 'ünï' } } });
  });
});

describe('serverTextFrames', () => {
  it('is byte for byte what ws writes for each message, one after the other', () => {
    const texts = ['', 'x', 'é'.repeat(63), 'ü'.repeat(70), 'y'.repeat(65_536), '{"id":"1","type":"complete"}'];
    expect(serverTextFrames(texts).equals(Buffer.concat(texts.map(wsFrame)))).toBe(true);
  });

  it("a client's parser reads them as separate text messages, in order", async () => {
    const receiver = new Receiver({ isServer: false });
    const messages: string[] = [];
    const both = new Promise<void>((resolve) =>
      receiver.on('message', (data: Buffer) => {
        messages.push(data.toString());
        if (messages.length === 2) resolve();
      }),
    );
    receiver.write(serverTextFrames(['{"id":"7","type":"next","payload":{"data":{"ok":"ünï"}}}', '{"id":"7","type":"complete"}']));
    await both;
    expect(messages.map((m) => JSON.parse(m))).toEqual([
      { id: '7', type: 'next', payload: { data: { ok: 'ünï' } } },
      { id: '7', type: 'complete' },
    ]);
  });
});

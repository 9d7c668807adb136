import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ServerWebSocket } from '../../src/http/server-websocket.js';
import { keepFragmentsYoung } from '../../src/http/ws-fragments.js';

type Fragments = { _receiver: { _fragments: Buffer[] } };

/** A ws server creating ServerWebSockets (as graphql-ws' server does), its sockets' messages, and a connected client. */
async function connected() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: ServerWebSocket } as never);
  await new Promise((resolve) => server.once('listening', resolve));
  const messages: string[] = [];
  const accepted = new Promise<ServerWebSocket>((resolve) =>
    server.once('connection', (socket: ServerWebSocket) => {
      socket.on('message', (data: Buffer) => messages.push(data.toString()));
      resolve(socket);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise((resolve) => client.once('open', resolve));
  return { server, client, socket: await accepted, messages };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe("ws's fragments kept young (src/http/ws-fragments.ts)", () => {
  let close = () => {};
  afterEach(() => close());

  it("collects a message's frames in an array made when its first frame arrives, not when the previous message ended", async () => {
    const { server, client, socket, messages } = await connected();
    close = () => {
      client.terminate();
      server.close();
    };
    const receiver = (socket as unknown as Fragments)._receiver;
    client.send('first');
    await until(() => messages.length === 1);
    // The array ws made as the first message ended: on a socket heard once a second, old by the next message.
    const leftOver = receiver._fragments;
    expect(leftOver).toEqual([]);

    client.send('hel', { fin: false });
    await until(() => receiver._fragments.length === 1);
    expect(receiver._fragments, 'a fresh array holds the new frame').not.toBe(leftOver);
    expect(leftOver).toEqual([]);

    client.send('lo', { fin: true });
    client.send('third');
    await until(() => messages.length === 3);
    expect(messages).toEqual(['first', 'hello', 'third']);
  });

  it('does nothing to a socket without a receiver yet', () => {
    const unattached = Object.create(ServerWebSocket.prototype) as ServerWebSocket;
    expect(keepFragmentsYoung(unattached)).toBe(false);
  });
});

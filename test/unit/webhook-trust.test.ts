import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callbackUrls } from '../../src/domain/call-flow.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/infra/logger.js';
import type { SharedRedis } from '../../src/infra/redis.js';
import { CallbackUrlSigner } from '../../src/telnyx/callback-mac.js';
import { checkRecordingUrl, DEFAULT_RECORDING_URL_ALLOWLIST, parseRecordingAllowList } from '../../src/telnyx/recording-url.js';
import { tokenMatches } from '../../src/telnyx/webhook-auth.js';
import { JournaledReplayCache, MemoryReplayCache, RedisReplayStore, REPLAY_JOURNAL_FILE } from '../../src/telnyx/replay-store.js';

const logger = createLogger('silent');
const KEY = (n: number) => `${1_767_625_200 + n}|${'A'.repeat(86)}==`;
const VOICE = (body: string) => ({ route: 'voice', status: 200, body });

describe('webhook answer store in memory: the same signed request again gets the same answer', () => {
  it('first, then a repeat with the kept answer; a non-2xx answer is forgotten so its retry is handled', async () => {
    const clock = new ManualClock();
    const store = new MemoryReplayCache(clock);
    expect(await store.claim(KEY(1), clock.now() + 300_000)).toEqual({ kind: 'first' });
    await store.settle(KEY(1), clock.now() + 300_000, VOICE('<Response><Dial/></Response>'));
    expect(await store.claim(KEY(1), clock.now() + 300_000)).toEqual({ kind: 'repeat', answer: VOICE('<Response><Dial/></Response>') });

    expect(await store.claim(KEY(2), clock.now() + 300_000)).toEqual({ kind: 'first' });
    await store.settle(KEY(2), clock.now() + 300_000, { route: 'voicemail', status: 429, body: '<Response><Hangup/></Response>' });
    expect(await store.claim(KEY(2), clock.now() + 300_000)).toEqual({ kind: 'first' }); // Telnyx's retry: handled afresh
  });

  it('forgets a request once it leaves its window', async () => {
    const clock = new ManualClock();
    const store = new MemoryReplayCache(clock);
    await store.claim(KEY(1), clock.now() + 1_000);
    await store.settle(KEY(1), clock.now() + 1_000, VOICE('a'));
    clock.advance(1_001);
    expect(await store.claim(KEY(1), clock.now() + 1_000)).toEqual({ kind: 'first' });
    expect(store.size).toBe(1);
  });

  it('a repeat that arrives while the first is being handled waits for its answer', async () => {
    const clock = new ManualClock();
    const store = new MemoryReplayCache(clock, { waitMs: 5_000 });
    expect(await store.claim(KEY(1), clock.now() + 300_000)).toEqual({ kind: 'first' });
    const repeat = store.claim(KEY(1), clock.now() + 300_000);
    const second = store.claim(KEY(1), clock.now() + 300_000);
    await store.settle(KEY(1), clock.now() + 300_000, VOICE('first answer'));
    expect(await repeat).toEqual({ kind: 'repeat', answer: VOICE('first answer') });
    expect(await second).toEqual({ kind: 'repeat', answer: VOICE('first answer') });
  });

  it('a repeat whose first never answers in time is handled as well (unknown), never refused', async () => {
    const clock = new ManualClock();
    const store = new MemoryReplayCache(clock, { waitMs: 30 });
    await store.claim(KEY(1), clock.now() + 300_000);
    expect(await store.claim(KEY(1), clock.now() + 300_000)).toEqual({ kind: 'unknown' });
  });

  it('a repeat waiting on a first whose answer is not kept claims it for itself', async () => {
    const clock = new ManualClock();
    const store = new MemoryReplayCache(clock, { waitMs: 5_000 });
    await store.claim(KEY(1), clock.now() + 300_000);
    const repeat = store.claim(KEY(1), clock.now() + 300_000);
    await store.settle(KEY(1), clock.now() + 300_000, { route: 'voicemail', status: 429, body: '' });
    expect(await repeat).toEqual({ kind: 'first' });
  });
});

describe('webhook answer journal (DATA_DIR)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const journal = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-unit-'));
    dirs.push(dir);
    return path.join(dir, REPLAY_JOURNAL_FILE);
  };

  it('keeps answers across a reopen, forgets expired ones on load and compacts the file', async () => {
    const clock = new ManualClock();
    const file = journal();
    let cache = new JournaledReplayCache(file, { clock, logger });
    const multiLine = VOICE('<Response>\n<Dial/>\n</Response>');
    for (const [n, until, answer] of [
      [1, 1_000, VOICE('one')],
      [2, 600_000, multiLine],
      [3, 600_000, { route: 'voicemail', status: 429, body: 'retry' }],
    ] as const) {
      expect(cache.claimNow(KEY(n), clock.now() + until)).toEqual({ kind: 'first' });
      cache.settleNow(KEY(n), clock.now() + until, answer);
    }
    cache.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2); // the 429 is not kept

    clock.advance(2_000); // KEY(1) has left its window
    cache = new JournaledReplayCache(file, { clock, logger });
    expect(cache.size).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(`${clock.now() - 2_000 + 600_000} ${KEY(2)} ${JSON.stringify(multiLine)}\n`);
    expect(await cache.claim(KEY(2), clock.now() + 600_000)).toEqual({ kind: 'repeat', answer: multiLine });
    expect(await cache.claim(KEY(1), clock.now() + 1_000)).toEqual({ kind: 'first' }); // a new window, a new request
    expect(await cache.claim(KEY(3), clock.now() + 1_000)).toEqual({ kind: 'first' });
    cache.close();
  });

  it('skips lines it cannot read (and the older answerless format) instead of failing to start', () => {
    const clock = new ManualClock();
    const file = journal();
    const later = clock.now() + 10_000;
    writeFileSync(
      file,
      `garbage\n${later} ${KEY(3)} ${JSON.stringify(VOICE('ok'))}\n${later} ${KEY(4)}\n${later} not-a-key ${JSON.stringify(VOICE('x'))}\n${later} ${KEY(5)} {broken\n\n`,
    );
    const cache = new JournaledReplayCache(file, { clock, logger });
    expect(cache.size).toBe(1);
    expect(cache.claimNow(KEY(3), later)).toEqual({ kind: 'repeat', answer: VOICE('ok') });
    expect(cache.claimNow(KEY(4), later)).toEqual({ kind: 'first' });
    cache.close();
  });
});

describe('webhook answer store on Redis', () => {
  it('falls back to the local store while Redis is away, logging once per outage', async () => {
    const clock = new ManualClock();
    const lines: any[] = [];
    const log = createLogger('info', {}, { write: (l: string) => void lines.push(JSON.parse(l)) });
    let healthy = false;
    const redis = { healthy: () => healthy, prefix: '{t}:', command: { set: async () => 'OK' } } as unknown as SharedRedis;
    const store = new RedisReplayStore({ redis, fallback: new MemoryReplayCache(clock), clock, logger: log });
    expect(await store.claim(KEY(1), clock.now() + 1000)).toEqual({ kind: 'first' });
    await store.settle(KEY(1), clock.now() + 1000, VOICE('local'));
    expect(await store.claim(KEY(1), clock.now() + 1000)).toEqual({ kind: 'repeat', answer: VOICE('local') }); // the local store remembers it
    expect(await store.claim(KEY(2), clock.now() + 1000)).toEqual({ kind: 'first' });
    expect(lines.filter((l) => /redis unavailable/.test(l.msg))).toHaveLength(1);
    healthy = true;
    expect(await store.claim(KEY(3), clock.now() + 1000)).toEqual({ kind: 'first' });
    expect(lines.at(-1).msg).toBe('webhook answer store: back on redis');
  });

  it('decides locally instead of holding the webhook when Redis does not answer', async () => {
    const clock = new ManualClock();
    const hang = () => new Promise(() => {});
    const redis = { healthy: () => true, prefix: '{t}:', command: { set: hang, get: hang, del: hang } } as unknown as SharedRedis;
    const store = new RedisReplayStore({ redis, fallback: new MemoryReplayCache(clock), clock, logger });
    const started = performance.now();
    expect(await store.claim(KEY(1), clock.now() + 1000)).toEqual({ kind: 'first' });
    await store.settle(KEY(1), clock.now() + 1000, VOICE('kept locally'));
    expect(await store.claim(KEY(1), clock.now() + 1000)).toEqual({ kind: 'repeat', answer: VOICE('kept locally') });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('callback URL MACs', () => {
  const signer = new CallbackUrlSigner(['s'.repeat(40)]);
  const mac = (route: string, companyId: string, step: string | null) => signer.mac(route, companyId, step);

  it('covers route, company and step; the previous secret still verifies', () => {
    const urls = callbackUrls('https://voice.example.com/', 'co_1', mac);
    const forward = new URL(urls.forwardComplete);
    expect(forward.searchParams.get('step')).toBe('forward');
    expect(signer.verify('dial-complete', 'co_1', 'forward', forward.searchParams.get('mac'))).toBe(true);
    expect(signer.verify('dial-complete', 'co_1', null, forward.searchParams.get('mac'))).toBe(false);
    expect(signer.verify('voicemail', 'co_1', 'forward', forward.searchParams.get('mac'))).toBe(false);
    expect(signer.verify('dial-complete', 'co_2', 'forward', forward.searchParams.get('mac'))).toBe(false);
    expect(signer.verify('dial-complete', 'co_1', 'forward', null)).toBe(false);
    expect(signer.verify('dial-complete', 'co_1', 'forward', 'x'.repeat(500))).toBe(false);
    const rotated = new CallbackUrlSigner(['n'.repeat(40), 's'.repeat(40)]);
    expect(rotated.verify('dial-complete', 'co_1', 'forward', forward.searchParams.get('mac'))).toBe(true);
    expect(new CallbackUrlSigner(['n'.repeat(40)]).verify('dial-complete', 'co_1', 'forward', forward.searchParams.get('mac'))).toBe(false);
  });

  it('carries the URL token beside the MAC, and alone where webhooks are not signed', () => {
    const token = 'T'.repeat(40);
    const both = new URL(callbackUrls('https://v.example', 'co_1', { mac, token }).forwardComplete);
    expect([...both.searchParams.keys()]).toEqual(['step', 'mac', 'token']);
    expect(both.searchParams.get('token')).toBe(token);
    expect(signer.verify('dial-complete', 'co_1', 'forward', both.searchParams.get('mac'))).toBe(true);
    const { callbackOf, roomOf, ...urls } = callbackUrls('https://v.example', 'co_1', { token });
    const room = roomOf('v3:x');
    const roomUrls = [room.events, room.exit, room.recording, room.party('agent-a'), room.transfer('queue:q1')];
    for (const url of [...Object.values(urls), ...Object.values(callbackOf('v3:x')), ...roomUrls])
      expect(new URL(url).searchParams.get('token')).toBe(token);
    expect(urls.status).toBe(`https://v.example/telnyx/status/co_1?token=${token}`);
  });

  it('checks a token in constant time, by content and length alike', () => {
    const token = 'T'.repeat(40);
    expect(tokenMatches(token, token)).toBe(true);
    for (const wrong of [null, undefined, '', 'T'.repeat(39), 'T'.repeat(41), `${'T'.repeat(39)}t`])
      expect(tokenMatches(wrong, token)).toBe(false);
  });

  it('leaves the URLs as before when webhooks are not signed', () => {
    expect(callbackUrls('https://v.example', 'co_1').forwardComplete).toBe('https://v.example/telnyx/dial-complete/co_1?step=forward');
    expect(callbackUrls('https://v.example', 'co_1').dialComplete).toBe('https://v.example/telnyx/dial-complete/co_1');
  });
});

describe('RecordingUrl allow-list', () => {
  const rules = parseRecordingAllowList(DEFAULT_RECORDING_URL_ALLOWLIST, { production: true });
  it.each([
    ['https://api.telnyx.com/v2/recordings/1.mp3', true],
    ['https://s3.amazonaws.com/telephony-recorder-prod/a/b.wav?X-Amz-Signature=1', true],
    ['https://telephony-recorder-prod.s3.amazonaws.com/a/b.wav', true],
    ['https://telnyx.com.evil.example/x.mp3', false],
    ['https://evilteltnyx.com/x.mp3', false],
    ['https://s3.amazonaws.com/telephony-recorder-prod-evil/x.mp3', false],
    ['http://api.telnyx.com/x.mp3', false],
    ['https://api.telnyx.com:8443/x.mp3', false],
    ['javascript:alert(1)//api.telnyx.com', false],
    ['data:audio/mp3;base64,AAAA', false],
    [`https://api.telnyx.com/${'a'.repeat(2000)}`, false],
  ])('%s → %s', (url, ok) => {
    expect(checkRecordingUrl(url, rules).ok).toBe(ok);
  });
});

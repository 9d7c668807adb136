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
import { JournaledReplayCache, MemoryReplayCache, RedisReplayStore, REPLAY_JOURNAL_FILE } from '../../src/telnyx/replay-store.js';

const logger = createLogger('silent');
const KEY = (n: number) => `${1_767_625_200 + n}|${'A'.repeat(86)}==`;

describe('replay journal (DATA_DIR)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const journal = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-unit-'));
    dirs.push(dir);
    return path.join(dir, REPLAY_JOURNAL_FILE);
  };

  it('remembers claims across a reopen, forgets expired ones on load and compacts the file', () => {
    const clock = new ManualClock();
    const file = journal();
    let cache = new JournaledReplayCache(file, { clock, logger });
    expect(cache.claimNow(KEY(1), clock.now() + 1_000)).toBe(true);
    expect(cache.claimNow(KEY(2), clock.now() + 600_000)).toBe(true);
    expect(cache.claimNow(KEY(1), clock.now() + 1_000)).toBe(false);
    cache.close();

    clock.advance(2_000); // KEY(1) has left its window
    cache = new JournaledReplayCache(file, { clock, logger });
    expect(cache.size).toBe(1);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toEqual([`${clock.now() - 2_000 + 600_000} ${KEY(2)}`]);
    expect(cache.claimNow(KEY(2), clock.now() + 600_000)).toBe(false);
    expect(cache.claimNow(KEY(1), clock.now() + 1_000)).toBe(true); // a new window, a new claim
    cache.close();
  });

  it('skips lines it cannot read instead of failing to start', () => {
    const clock = new ManualClock();
    const file = journal();
    writeFileSync(file, `garbage\n${clock.now() + 10_000} ${KEY(3)}\n${clock.now() + 10_000} not a key\n\n`);
    const cache = new JournaledReplayCache(file, { clock, logger });
    expect(cache.size).toBe(1);
    expect(cache.claimNow(KEY(3), clock.now() + 10_000)).toBe(false);
    cache.close();
  });
});

describe('replay store on Redis', () => {
  it('falls back to the local cache while Redis is away, logging once per outage', async () => {
    const clock = new ManualClock();
    const lines: any[] = [];
    const log = createLogger('info', {}, { write: (l: string) => void lines.push(JSON.parse(l)) });
    let healthy = false;
    const redis = { healthy: () => healthy, prefix: '{t}:', command: { set: async () => 'OK' } } as unknown as SharedRedis;
    const store = new RedisReplayStore({ redis, fallback: new MemoryReplayCache(clock), clock, logger: log });
    expect(await store.claim(KEY(1), clock.now() + 1000)).toBe(true);
    expect(await store.claim(KEY(1), clock.now() + 1000)).toBe(false); // the local cache remembers it
    expect(await store.claim(KEY(2), clock.now() + 1000)).toBe(true);
    expect(lines.filter((l) => /redis unavailable/.test(l.msg))).toHaveLength(1);
    healthy = true;
    expect(await store.claim(KEY(3), clock.now() + 1000)).toBe(true);
    expect(lines.at(-1).msg).toBe('webhook replay cache: back on redis');
  });
});

describe('replay store on a Redis that does not answer', () => {
  it('decides locally instead of holding the webhook', async () => {
    const clock = new ManualClock();
    const redis = { healthy: () => true, prefix: '{t}:', command: { set: () => new Promise(() => {}) } } as unknown as SharedRedis;
    const store = new RedisReplayStore({ redis, fallback: new MemoryReplayCache(clock), clock, logger });
    expect(await store.claim(KEY(1), clock.now() + 1000)).toBe(true);
    expect(await store.claim(KEY(1), clock.now() + 1000)).toBe(false);
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

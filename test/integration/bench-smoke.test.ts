/**
 * Keeps the benchmark from rotting: the whole harness (server, baseline and ceiling processes, the
 * load generator, every scenario, the report) runs at a tiny size on PGlite. Asserts that it works
 * and reports sane shapes; never how fast anything is.
 */
import { describe, expect, it } from 'vitest';
import { assertMergeable, BENCH_PHASES, mergePhaseResults, parsePhases } from '../../bench/lib/phases.js';
import { mixedDays, renderMarkdown, renderTable, type BenchResults } from '../../bench/lib/report.js';
import { settingsFor } from '../../bench/lib/settings.js';
import { runBench } from '../../bench/run.js';
import { redisAvailable } from '../support/redis.js';

/**
 * 40 agents, windows of 0.3 s; the mixed day 0.5 s of 100 heartbeats/s over 10 sockets and 20 calls/s;
 * queues: 3 companies with 3 callers waiting each, 3 + 9 agents freed at 20/s, then 3 at once, and
 * 6 more callers for the memory figure.
 */
const TINY = {
  ...settingsFor(true),
  sizes: [40],
  durationMs: 300,
  concurrency: 4,
  texmlConcurrency: 6,
  texmlInProcess: 50,
  wsSockets: 4,
  mixed: { sockets: 10, heartbeatsPerSecond: 100, callsPerSecond: 20, durationMs: 500 },
  queue: {
    companies: 3,
    callersPerCompany: 3,
    warmupOffers: 3,
    offers: 9,
    freesPerSecond: 20,
    burst: true,
    waitRoundSeconds: 1,
    memoryCallers: 6,
    memoryMaxSize: 60,
  },
};

describe('npm run bench, at a tiny size', () => {
  it('runs every scenario end to end and renders the report', { timeout: 600_000 }, async () => {
    const settings = {
      ...TINY,
      fanoutSubscribers: [3, 5],
      fanoutTriggers: 2,
      offlineAgents: 3,
      offlineTtlMs: 1000,
      // Five calls (three answered, one abandoned, one voicemail) over a second; each lasts a few seconds.
      calls: { perSecond: 5, durationMs: 1000, companies: 4, voicemailCompanies: 1, heartbeatShare: 0.5 },
    };
    const results = await runBench({ settings, database: 'pglite', pin: false, log: () => {} });

    expect(results.heartbeats.map((h) => `${h.design}/${h.transport}`)).toEqual(['ours/http', 'ours/ws', 'baseline/http']);
    for (const h of results.heartbeats) {
      expect(h.errors).toBe(0);
      expect(h.perSecond).toBeGreaterThan(0);
    }
    expect(results.heartbeats.find((h) => h.design === 'baseline')!.dbWritesPer1000).toBe(1000);
    expect(results.warmup[0]).toMatchObject({ agents: 40, errors: 0 });
    expect(results.memory[0]!.liveAgents).toBe(40);
    // The TeXML closed loops run at their own depth, the service's and its ceiling's alike.
    expect(results.texml).toMatchObject({ companies: 4, agents: 40, concurrency: 6 });
    expect(results.texml!.ours.errors).toBe(0);
    expect(results.texml!.ceiling!.errors).toBe(0);
    expect(results.texml!.ratioToCeiling).toBeGreaterThan(0);
    // …and the decisions alone, in the server's process: every one rang its company's agents.
    expect(results.texml!.databaseCpuUsPerOp ?? null, 'PGlite runs inside the server: no database CPU of its own').toBeNull();
    expect(results.texml!.inProcess).toMatchObject({ count: 50, rang: 50 });
    expect(results.texml!.inProcess!.cpuUsPerOp).toBeGreaterThan(0);
    expect(results.texml!.inProcess!.keptBytesPerCall).toEqual(expect.any(Number));
    expect(results.offline).toMatchObject({ errors: 0, ttlMs: 1000 });
    expect(results.offline!.latencyMs.count).toBe(3);
    expect(results.offline!.latencyMs.p50).toBeGreaterThanOrEqual(900); // never before the lease could end
    expect(results.fanout).toMatchObject({ errors: 0 });
    expect(results.fanout!.latencyMs.count).toBe(3 * 2);
    expect(results.fanouts!.map((f) => [f.notes?.subscribers, f.latencyMs.count, f.errors])).toEqual([
      [3, 6, 0],
      [5, 10, 0],
    ]);
    // The raw ws broadcast beside each, timed by the same generator code, writing frames of the same size.
    for (const f of results.fanouts!) {
      expect(f.serverCpuMsPerEvent).toBeGreaterThan(0);
      expect(f.ceiling).toMatchObject({ errors: 0, notes: { subscribers: f.notes?.subscribers, frameBytes: f.notes?.frameBytes } });
      expect(f.ceiling!.latencyMs.count).toBe(f.latencyMs.count);
    }

    // The bare transports, on the same generator: every answer well-formed.
    const ceilings = results.ceilings!;
    expect(results.texml!.ceiling!.bodyBytes, "the ceiling answers the service's own TeXML").toBeGreaterThan(200);
    for (const c of [results.texml!.ceiling!, ceilings.httpHeartbeat, ceilings.wsHeartbeat]) {
      expect(c.errors).toBe(0);
      expect(c.count).toBeGreaterThan(0);
    }
    // Open loop: everything due was sent and answered, timed from when it was due.
    expect(results.texmlOpen).toMatchObject({ errors: 0, share: 0.5 });
    expect(results.texmlOpen!.count).toBe(Math.round((results.texmlOpen!.targetPerSecond * 300) / 1000));
    // Goal 5b's floor: the bare server under the same open loop, every request sent and answered, its CPU measured.
    expect(results.texmlOpen!.floor).toMatchObject({ errors: 0, count: results.texmlOpen!.count });
    expect(results.texmlOpen!.floor!.server.cpuMs).toBeGreaterThanOrEqual(0);
    // The service's mixed day, and the same load against the bare transports (the floor of goals 1 and 2c).
    expect(results.mixed!.map((m) => m.mode).sort()).toEqual(['ceiling', 'memory']);
    for (const mixed of results.mixed!) {
      expect(mixed).toMatchObject({ instances: 1, agents: 40, sockets: 10 });
      expect(mixed.heartbeats).toMatchObject({ count: 50, errors: 0 });
      expect(mixed.texml).toMatchObject({ count: 10, errors: 0 });
    }
    expect(results.mixed!.find((m) => m.mode === 'memory')!.server.offlineTransitions).toBe(0);
    if (process.platform === 'linux') {
      // What the loopback lost over each window is counted (the drops that put a 200 ms resend in a tail).
      for (const mixed of results.mixed!)
        expect(mixed.network).toMatchObject({ backlogDrops: expect.any(Number), retransmits: expect.any(Number) });
      expect(results.machine.netdevMaxBacklog?.during).toBeGreaterThan(0);
    }
    expect((results.mixed![0] as { sampleAnswer?: string }).sampleAnswer, 'the sample answer is not kept').toBeUndefined();
    // Allocation and GC are measured per window.
    const ws = results.heartbeats.find((h) => h.design === 'ours' && h.transport === 'ws')!;
    expect(ws.allocatedBytesPerOp).toBeGreaterThan(0);
    expect(ws.cpuUsPerOp).toBeGreaterThan(0);
    // The cold start is counted per second from the start.
    expect(results.warmup[0]!.perSecondBuckets!.reduce((a, b) => a + b, 0)).toBe(40);

    const calls = results.calls!;
    expect(calls.withCalls.errorSamples).toEqual([]);
    expect(calls.withCalls).toMatchObject({ placed: 5, completed: 5, unfinished: 0, callsWithErrors: 0, failedRequests: 0 });
    for (const kind of ['answered', 'voicemail', 'abandoned'] as const) {
      const tally = calls.withCalls.kinds[kind];
      expect(tally.placed, kind).toBeGreaterThan(0);
      expect(tally.asExpected, kind).toBe(tally.placed);
      expect(calls.logged[kind].asExpected, `${kind} in the service's call log`).toBe(tally.placed);
    }
    expect(calls.withCalls.requests.voiceUrl.count).toBe(5);
    expect(calls.withCalls.requests.callbacks.count).toBeGreaterThanOrEqual(5);
    expect(calls.withCalls.setupMs.count).toBe(5);
    expect(calls.withCalls.heartbeats.count).toBeGreaterThan(0);
    expect(calls.withCalls.heartbeats.errors).toBe(0);
    expect(calls.heartbeatsAlone.heartbeats.count).toBeGreaterThan(0);
    // The heartbeats' pace is a share of what the same server did closed loop just before.
    expect(calls.withCalls.heartbeats.notes?.targetPerSecond).toBe(
      Math.max(10, Math.round((0.5 * calls.closedLoopHeartbeatsPerSecond!) / 10) * 10),
    );

    // Queues: every agent freed offered the head of its company's line, through the REST API, in order.
    const queue = results.queue!;
    expect(queue.setup).toMatchObject({ companies: 3, waiting: 9 });
    const offers = queue.offers;
    expect(offers.errorSamples).toEqual([]);
    expect(offers).toMatchObject({
      companies: 3,
      waitingAtStart: 9,
      waitingAtEnd: 9, // a new caller joined for each one offered
      missed: 0,
      outOfOrder: 0,
      offerDocumentErrors: 0,
      unexpectedUpdates: 0,
      roomMoves: 3 + 9 + 3,
      webhookErrors: 0,
      // Offers, plus one move into the call's room per answered offer (docs/IN-CALL.md).
      rest: { updates: 3 + 9 + 3 + offers.roomMoves, lookups: 0, unexpected: 0 },
    });
    expect([offers.warmupMs.count, offers.agentFreeToOfferMs.count, offers.burstMs!.count]).toEqual([3, 9, 3]);
    expect(offers.agentFreeToOfferMs.p50).toBeGreaterThan(0);
    expect(offers.waitRounds.latencyMs.count, 'the waiting callers fetch their waitUrl').toBeGreaterThan(0);
    expect(offers.waitRounds.errors).toBe(0);
    expect(queue.memory).toMatchObject({ waitingBefore: 9, callersAdded: 6, fillErrors: 0 });
    expect(queue.memory.heapBytesPerCaller).not.toBeNull();

    expect(renderTable(results)).toContain('| 40 | ours | HTTP |');
    expect(renderTable(results)).toContain('| agent free → offer sent (the counted rounds) | 9 |');
    expect(renderTable(results)).toContain('call setup: call due → voice URL answered');
    const doc = renderMarkdown(results, '## Where the time goes\n\nnotes');
    expect(doc).toContain('**Machine:**');
    expect(doc).toContain('TeXML decisions vs the ceiling');
    expect(doc).toContain('server CPU per request at that rate, bare / the service');
    expect(doc).toContain(
      `what each of those calls keeps while it rings (the heap after a full collection, before and after them), bytes | ${results.texml!.inProcess!.keptBytesPerCall!.toLocaleString('en-US')} |`,
    );
    expect(doc).toMatch(
      /p99 [0-9.]+ ms at [0-9,]+\/s \(target [0-9,]+\/s\), 0 errors; the bare node:http server at the same rate: p99 [0-9.]+ ms/,
    );
    expect(doc).toContain('## Whole calls');
    expect(doc.trim().endsWith('notes')).toBe(true);
    expect(doc.split('## Where the time goes').length, 'the notes appear once').toBe(2);
    expect(doc).toContain('## Goals of the performance round two');
    expect(doc).toContain('## The mixed day (open loop)');
    expect(doc).toContain('| bare transports (ceiling) |');
    expect(doc).toContain('## Queues: agent free → offer sent');
    expect(doc).toMatch(/\| queue: agent free → offer sent, 9 waiting over 3 companies \| p99 ≤ 50 ms/);
  });

  it('measures two instances on Redis and PostgreSQL', { timeout: 600_000 }, async ({ skip }) => {
    if (!(await redisAvailable())) skip(); // redisAvailable fails instead in CI
    const results = await runBench({ settings: TINY, database: 'postgres', pin: false, phases: ['instances'], log: () => {} });

    expect(results.instances!.map((i) => i.instances)).toEqual([1, 2]);
    for (const i of results.instances!) {
      expect(i.heartbeats.errors).toBe(0);
      expect(i.heartbeats.count).toBeGreaterThan(0);
      expect(i.redisCommandsPerHeartbeat).not.toBeNull();
    }
    const two = results.instances![1]!.mixed!;
    expect(two).toMatchObject({ instances: 2, mode: 'redis' });
    expect(two.heartbeats).toMatchObject({ count: 50, errors: 0 });
    expect(two.texml).toMatchObject({ count: 10, errors: 0 });
    expect(results.mixed, 'the one-instance day is the mixed phase’s').toEqual([]);
    expect(mixedDays(results).map((m) => m.instances)).toEqual([2]);
    expect(renderTable(results)).toContain('| 2, Redis |');
  });
});

describe('npm run bench -- --phases texml on PostgreSQL, at a tiny size', () => {
  it("reads the database server's own CPU around the TeXML window", { timeout: 300_000 }, async () => {
    const results = await runBench({ settings: TINY, database: 'postgres', pin: false, phases: ['texml'], log: () => {} });

    const texml = results.texml!;
    expect(texml.ours).toMatchObject({ errors: 0 });
    expect(texml.ours.count).toBeGreaterThan(0);
    // The PostgreSQL on this machine (CI's and the developer's): read from /proc, so a number, zero or more.
    expect(texml.databaseCpuUsPerOp).toEqual(expect.any(Number));
    expect(texml.databaseCpuUsPerOp).toBeGreaterThanOrEqual(0);
    expect(renderMarkdown(results, '')).toContain("the database server's CPU per TeXML decision");
  });
});

describe('npm run bench -- --phases history, at a tiny size', () => {
  it('seeds a call log by SQL and times its pages, reports and CSV through the service', { timeout: 300_000 }, async () => {
    const history = {
      calls: 3_000,
      days: 365,
      agents: 50,
      queues: 5,
      smallCompanies: 1,
      smallCalls: 500,
      repeats: 3,
      warmup: 1,
      reportRuns: 1,
      chunk: 1_000,
    };
    const results = await runBench({
      settings: { ...TINY, history },
      database: 'postgres',
      pin: false,
      phases: ['history'],
      log: () => {},
    });

    const h = results.history!;
    expect(h.seed.rows).toBe(3_500);
    expect(h.pages.map((p) => p.name)).toEqual([
      'first page',
      'deep page',
      'outcome',
      'queue',
      'agent',
      'date range',
      'caller prefix',
      'deep page, outcome',
    ]);
    for (const page of h.pages) {
      expect(page.errors, page.name).toBe(0);
      expect(page.latencyMs.count, page.name).toBe(3);
      // Every kind has more than a page of matching calls but the caller prefix (~1 in 100 of 3,000).
      if (page.name === 'caller prefix') expect(page.nodes).toBeGreaterThan(0);
      else expect(page.nodes, page.name).toBe(50);
    }
    const [byDay, byAgent] = h.reports;
    expect(byDay).toMatchObject({ name: 'callReport by DAY', errors: 0 });
    expect(byDay!.rows, 'every local day of the month').toBeGreaterThanOrEqual(28);
    expect(byDay!.offered, "a month's share of 3,000 calls over a year").toBeGreaterThan(150);
    expect(byAgent).toMatchObject({ name: 'callReport by AGENT', errors: 0, offered: byDay!.offered });
    expect(byAgent!.rows).toBeGreaterThan(40);
    expect(h.csv[0]).toMatchObject({ errors: 0, rows: byDay!.rows + 1 }); // the days, then the totals
    expect(renderTable(results)).toContain('| deep page |');
    const doc = renderMarkdown(results, '');
    expect(doc).toContain('## Call history on 3,000 calls');
    expect(doc).toMatch(/\| history: a page of 3,000 calls' company \(first, deep, filtered\) \| ≤ 50 ms a page/);
  });
});

describe('npm run bench -- --phases', () => {
  const saved = {
    generatedAt: 'earlier',
    settings: { ...settingsFor(false), queue: undefined },
    heartbeats: [{ agents: 100_000 }],
    offline: { ttlMs: 2000 },
    calls: { agents: 5000 },
    queue: null,
  } as unknown as BenchResults;
  const fresh = {
    generatedAt: 'now',
    settings: { ...settingsFor(false), offlineTtlMs: 1 },
    heartbeats: [],
    offline: null,
    calls: null,
    queue: { companies: 100 },
  } as unknown as BenchResults;

  it("replaces only the phase's own figures and settings in the saved results", () => {
    const merged = mergePhaseResults(saved, fresh, ['queue']);
    expect(merged.queue).toEqual({ companies: 100 });
    expect(merged.settings.queue).toEqual(settingsFor(false).queue);
    expect(merged).toMatchObject({
      generatedAt: 'earlier',
      heartbeats: [{ agents: 100_000 }],
      offline: { ttlMs: 2000 },
      calls: { agents: 5000 },
    });
    expect(merged.settings.offlineTtlMs).toBe(saved.settings.offlineTtlMs);
    expect(saved.queue, 'the saved results are not changed').toBeNull();
  });

  it('merges the phases nested in the heartbeat phase as one group, keeping the standalone phases that did not run', () => {
    const nested = BENCH_PHASES.filter((p) => !['texml', 'mixed', 'presence', 'calls', 'queue', 'history'].includes(p));
    const merged = mergePhaseResults(saved, fresh, [...nested, 'presence']);
    expect(merged).toMatchObject({ generatedAt: 'now', heartbeats: [], offline: null, calls: { agents: 5000 } });
    expect(merged.queue, 'the queue phase did not run: its saved figures stay').toBeNull();
    expect(merged.settings.queue).toBeUndefined();
    expect(merged.settings.offlineTtlMs, 'presence ran: its setting is fresh').toBe(1);
  });

  it('merges the TeXML phase alone: the decisions, their ceiling and the open loop', () => {
    const texml = { ratioToCeiling: 0.6 };
    const merged = mergePhaseResults(
      { ...saved, texml: null, texmlOpen: null },
      { ...fresh, texml, texmlOpen: { targetPerSecond: 10 } } as unknown as BenchResults,
      ['texml'],
    );
    expect(merged).toMatchObject({ generatedAt: 'earlier', texml, texmlOpen: { targetPerSecond: 10 }, calls: { agents: 5000 } });
  });

  it('refuses phases measured inside or from the heartbeat phase, and unknown names', () => {
    expect(parsePhases('queue, presence')).toEqual(['queue', 'presence']);
    expect(() => parsePhases('queues')).toThrow(/unknown phase "queues"/);
    expect(() => assertMergeable(['queue', 'mixed'])).not.toThrow();
    expect(() => assertMergeable(['queue', 'ceilings'])).toThrow(/ceilings cannot be merged/);
    expect(() => mergePhaseResults(saved, fresh, ['heartbeats'])).toThrow(/heartbeats cannot be merged/);
  });
});

/**
 * The queue scenario's load generator side (docs/QUEUES.md; the issue: "a queue of 1,000 waiting
 * callers across 100 companies; time from 'agent free' to 'offer sent' p99 ≤ 50 ms; memory per
 * waiting caller"). It plays Telnyx's part by hand, over HTTP and unsigned like the TeXML phases:
 *
 * - each company's one agent takes a call (voice webhook → `<Dial>`, then the agent leg's
 *   `in-progress` callback), so the agent is busy, and its callers arrive and wait (`<Enqueue>`);
 * - "agent free" is the agent leg's `completed` callback (then the Dial's action and the call's own
 *   `completed`, as Telnyx sends them); the service then offers the head of the company's line by
 *   "Update call", which lands on the fake REST API of ./lib/fake-telnyx-rest.ts in this process.
 *   A sample runs from just before that first callback to that request's arrival, on this process's clock;
 * - the offered caller then does what Telnyx does: the Enqueue's action (`redirected`), the offer's
 *   document (a `<Dial>` to that agent), the agent's leg `in-progress`: the agent is busy again and
 *   the next "agent free" offers the next caller. A new caller joins the line each time one is
 *   offered, so the line stays as long as it started;
 * - meanwhile every waiting caller's `waitUrl` is fetched once per round, as Telnyx's Enqueue loop does.
 *
 * Companies play their rounds one after another each (a company's next "agent free" waits for its
 * previous round), interleaved across companies at a set pace, then once all at the same instant.
 *
 * One file on purpose (over 300 lines): the steps of a round, the waitUrl rounds and the Update calls
 * arriving all read and move the same state (each company's line, its agent's call, the waiters).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { telnyxPath } from '../src/domain/telnyx-routes.js';
import { HttpClient, type HttpAnswer } from './lib/clients.js';
import { BENCH_TELNYX_API_KEY, FakeTelnyxRest, type FakeRestCounts, type UpdateCallRequest } from './lib/fake-telnyx-rest.js';
import { BENCH_ADMIN_KEY, companyId, companyNumber, credentialSipUsername, defaultQueueId, type Population } from './lib/fixtures.js';
import { GENERATOR_LOOP_RESOLUTION_MS, loopLateness, Samples, summarize, type LatencySummary } from './lib/stats.js';

/** The AccountSid every webhook carries (the service addresses its REST calls under it). */
const ACCOUNT_SID = 'bench-account';
/** An "agent free" with no Update call within this long is a missed offer (the company's rounds stop). */
const OFFER_TIMEOUT_MS = 10_000;
/** How often the waitUrl schedule is looked at. */
const WAIT_TICK_MS = 20;
const MAX_ERROR_SAMPLES = 5;

const UPDATE_QUEUE = 'mutation($id: ID!, $input: UpdateQueueInput!) { updateQueue(id: $id, input: $input) { id maxSize } }';

interface Caller {
  callSid: string;
  from: string;
  /** performance.now() when its voice webhook was answered with <Enqueue>. */
  enqueuedAt: number;
  /** When its next waitUrl round is due (performance.now()). */
  nextWaitAt: number;
}

interface QueueCompany {
  index: number;
  id: string;
  number: string;
  /** The user part its agent's legs are addressed to (the credential's SIP username). */
  agentSipUser: string;
  /** Waiting callers in arrival order (the head is the one the service must offer next). */
  line: Caller[];
  /** The call the agent is on (null before the first, or when its rounds stopped). */
  onCall: Caller | null;
  nextSeq: number;
  /** Its rounds, one after another. */
  chain: Promise<void>;
  /** Why its rounds stopped (a missed offer, a wrong answer): the rest of the run leaves it alone. */
  broken: string | null;
}

export interface QueueSetupResult {
  companies: number;
  waiting: number;
  /** Voice webhook → `<Enqueue>`, as the caller side saw it. */
  enqueueMs: LatencySummary;
}

/** One window of offers, as the generator saw it. */
export interface QueueOffersLoad {
  companies: number;
  waitingAtStart: number;
  waitingAtEnd: number;
  /** Counted "agent free" rounds per second: the target and what was achieved. */
  targetPerSecond: number;
  perSecond: number;
  /** Agent free (the leg's completed callback about to be sent) → the Update call received: the counted rounds. */
  agentFreeToOfferMs: LatencySummary;
  /** The first round of each company (not counted): connections and code paths warming up. */
  warmupMs: LatencySummary;
  /** One round of every company at the same instant, after the paced ones; null when not asked. */
  burstMs: LatencySummary | null;
  /** Agents freed with no offer within OFFER_TIMEOUT_MS. */
  missed: number;
  /** Offers of someone other than the head of the company's line. */
  outOfOrder: number;
  /** Offer documents that were not a `<Dial>` to the company's agent. */
  offerDocumentErrors: number;
  /** Update calls nobody was waiting for (a caller offered twice, or when no agent was freed). */
  unexpectedUpdates: number;
  /** Answered legs moved into their call's room (docs/IN-CALL.md): one per answer, not an offer. */
  roomMoves: number;
  /** Webhooks of the rounds (leg, dial action, call status, queue exit, offer, arrivals) and their errors. */
  webhookMs: LatencySummary;
  webhookErrors: number;
  /** The waitUrl rounds over the window (each waiting caller once per round). */
  waitRounds: { roundSeconds: number; perSecond: number; errors: number; latencyMs: LatencySummary };
  durationMs: number;
  generatorCpuPercent: number;
  generatorLoopDelayMs: { p50: number; p99: number; max: number } | null;
  /** What the fake REST API received over the window. */
  rest: FakeRestCounts;
  errorSamples: string[];
}

export interface QueueOffersParams {
  /** Rounds not counted first (one per company warms every path). */
  warmup: number;
  offers: number;
  perSecond: number;
  burst: boolean;
  waitRoundSeconds: number;
}

export interface QueueFillResult {
  callers: number;
  errors: number;
  enqueueMs: LatencySummary;
}

export class QueueScenario {
  private client: HttpClient | null = null;
  private companies: QueueCompany[] = [];
  private readonly companyOfCall = new Map<string, QueueCompany>();
  private readonly waiters = new Map<number, (update: UpdateCallRequest) => void>();
  private readonly run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  private tally = freshTally();
  private webhookSamples = new Samples();
  private waitSamples = new Samples();
  private waitErrors = 0;
  private readonly inFlightWaits = new Set<Promise<void>>();
  private replenish = false;

  private constructor(
    private readonly population: Population,
    readonly rest: FakeTelnyxRest,
  ) {}

  /** The fake REST API, before the server starts (its TELNYX_API_BASE_URL). */
  static async start(population: Population): Promise<QueueScenario> {
    if (population.agentsPerCompany !== 1)
      throw new Error('the queue scenario keeps one agent per company busy: agentsPerCompany must be 1');
    let scenario: QueueScenario | null = null;
    const rest = await FakeTelnyxRest.start((update) => scenario?.updateArrived(update));
    scenario = new QueueScenario(population, rest);
    return scenario;
  }

  get apiKey(): string {
    return BENCH_TELNYX_API_KEY;
  }

  async close(): Promise<void> {
    this.client?.close();
    await this.rest.close();
  }

  /** Every company's agent on a call, then `callersPerCompany` callers each waiting, in order. */
  async setup(params: { url: string; callersPerCompany: number; concurrency: number }): Promise<QueueSetupResult> {
    this.client = new HttpClient(params.url, 256);
    const count = Math.ceil(this.population.agents / this.population.agentsPerCompany);
    this.companies = Array.from({ length: count }, (_, index) => ({
      index,
      id: companyId(index),
      number: companyNumber(index),
      agentSipUser: credentialSipUsername(index * this.population.agentsPerCompany),
      line: [],
      onCall: null,
      nextSeq: 0,
      chain: Promise.resolve(),
      broken: null,
    }));
    const enqueueMs = new Samples();
    let next = 0;
    await Promise.all(
      Array.from({ length: params.concurrency }, async () => {
        for (let k = next++; k < this.companies.length; k = next++) {
          const company = this.companies[k]!;
          await this.busyCall(company);
          for (let i = 0; i < params.callersPerCompany; i++) {
            const sent = performance.now();
            await this.arrive(company, true);
            enqueueMs.push(performance.now() - sent);
          }
        }
      }),
    );
    return { companies: this.companies.length, waiting: this.waiting(), enqueueMs: summarize(enqueueMs.values()) };
  }

  /** The measured window: paced rounds (the first `warmup` not counted), then one burst of every company at once. */
  async offers(params: QueueOffersParams): Promise<QueueOffersLoad> {
    this.tally = freshTally();
    this.webhookSamples = new Samples();
    this.waitSamples = new Samples();
    this.waitErrors = 0;
    this.replenish = true;
    const restBefore = { ...this.rest.counts };
    const waitingAtStart = this.waiting();
    const loopDelay = monitorEventLoopDelay({ resolution: GENERATOR_LOOP_RESOLUTION_MS });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const stopWaits = this.startWaitRounds(params.waitRoundSeconds);
    const warm = new Samples();
    const counted = new Samples();
    let countedFrom = started;
    let countedUntil = started;
    const total = params.warmup + params.offers;
    for (let k = 0; k < total; k++) {
      const due = started + (k * 1000) / params.perSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (k === params.warmup) countedFrom = performance.now();
      const company = this.companies[k % this.companies.length]!;
      const into = k < params.warmup ? warm : counted;
      company.chain = company.chain.then(() => this.round(company, into));
    }
    await Promise.all(this.companies.map((c) => c.chain));
    countedUntil = performance.now();
    let burst: Samples | null = null;
    if (params.burst) {
      const samples = new Samples();
      for (const company of this.companies) company.chain = this.round(company, samples);
      await Promise.all(this.companies.map((c) => c.chain));
      burst = samples;
    }
    const waitWindowMs = performance.now() - started;
    await stopWaits();
    this.replenish = false;
    const wallMs = performance.now() - started;
    loopDelay.disable();
    const used = process.cpuUsage(cpu);
    return {
      companies: this.companies.length,
      waitingAtStart,
      waitingAtEnd: this.waiting(),
      targetPerSecond: params.perSecond,
      perSecond: round1((counted.length / Math.max(1, countedUntil - countedFrom)) * 1000),
      agentFreeToOfferMs: summarize(counted.values()),
      warmupMs: summarize(warm.values()),
      burstMs: burst ? summarize(burst.values()) : null,
      missed: this.tally.missed,
      outOfOrder: this.tally.outOfOrder,
      offerDocumentErrors: this.tally.offerDocumentErrors,
      unexpectedUpdates: this.tally.unexpectedUpdates,
      roomMoves: this.tally.roomMoves,
      webhookMs: summarize(this.webhookSamples.values()),
      webhookErrors: this.tally.webhookErrors,
      waitRounds: {
        roundSeconds: params.waitRoundSeconds,
        perSecond: round1((this.waitSamples.length / waitWindowMs) * 1000),
        errors: this.waitErrors,
        latencyMs: summarize(this.waitSamples.values()),
      },
      durationMs: Math.round(wallMs),
      generatorCpuPercent: Math.round(((used.user + used.system) / 1000 / wallMs) * 100),
      generatorLoopDelayMs: loopLateness(loopDelay, GENERATOR_LOOP_RESOLUTION_MS),
      rest: {
        updates: this.rest.counts.updates - restBefore.updates,
        lookups: this.rest.counts.lookups - restBefore.lookups,
        unexpected: this.rest.counts.unexpected - restBefore.unexpected,
      },
      errorSamples: [...this.tally.errorSamples],
    };
  }

  /**
   * The memory measurement's callers: every company's queue raised to `maxSize` through GraphQL
   * (`updateQueue`, as an administrator), then `perCompany` more callers each, all answered `<Enqueue>`.
   */
  async fill(params: { url: string; perCompany: number; maxSize: number; concurrency: number }): Promise<QueueFillResult> {
    const client = this.client!;
    for (const company of this.companies) {
      const answer = await client.post(
        '/graphql',
        { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` },
        JSON.stringify({ query: UPDATE_QUEUE, variables: { id: defaultQueueId(company.index), input: { maxSize: params.maxSize } } }),
      );
      if (answer.status !== 200 || answer.body.includes('"errors"'))
        throw new Error(`updateQueue of ${company.id} failed: ${answer.status} ${answer.body.slice(0, 300)}`);
    }
    const total = params.perCompany * this.companies.length;
    const enqueueMs = new Samples();
    let errors = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: params.concurrency }, async () => {
        for (let k = next++; k < total; k = next++) {
          const sent = performance.now();
          const ok = await this.arrive(this.companies[k % this.companies.length]!, false).then(
            () => true,
            () => false,
          );
          enqueueMs.push(performance.now() - sent);
          if (!ok) errors++;
        }
      }),
    );
    return { callers: total - errors, errors, enqueueMs: summarize(enqueueMs.values()) };
  }

  // ——— one company's steps ———

  /** The agent answers a first call: voice webhook → <Dial> to the agent, then its leg in-progress. */
  private async busyCall(company: QueueCompany): Promise<void> {
    const caller = this.newCaller(company);
    const answer = await this.send(telnyxPath('voice', company.id), this.voiceFields(company, caller));
    if (!answer.body.includes('<Dial') || !answer.body.includes(`${company.agentSipUser}@`))
      throw new Error(`${company.id}: its first call was not dialed to its agent: ${answer.body.slice(0, 300)}`);
    await this.send(telnyxPath('status', company.id), this.legFields(company, caller, 'in-progress'));
    company.onCall = caller;
  }

  /** A new caller of the company; with the agent busy the service must answer <Enqueue>. */
  private async arrive(company: QueueCompany, inLine: boolean): Promise<void> {
    const caller = this.newCaller(company);
    const answer = await this.send(telnyxPath('voice', company.id), this.voiceFields(company, caller));
    if (!answer.body.includes('<Enqueue'))
      throw new Error(`${company.id}: caller ${caller.callSid} was not answered with <Enqueue>: ${answer.body.slice(0, 300)}`);
    caller.enqueuedAt = performance.now();
    caller.nextWaitAt = caller.enqueuedAt; // Telnyx fetches the waitUrl as soon as the caller is enqueued
    if (inLine) company.line.push(caller);
  }

  /**
   * Agent free → the head of the line offered → that caller connected to the agent (who is busy
   * again) → a new caller joins the line. The sample goes to `into`.
   */
  private async round(company: QueueCompany, into: Samples): Promise<void> {
    const head = company.line[0];
    const current = company.onCall;
    if (company.broken) return;
    if (!head || !current) return void this.breakCompany(company, 'nobody waiting, or the agent on no call');
    const offered = this.expectUpdate(company);
    const freedAt = performance.now();
    const ended = this.endCall(company, current).catch((err: Error) =>
      this.error(`${company.id}: ending ${current.callSid}: ${err.message}`),
    );
    const update = await offered;
    await ended;
    if (!update) {
      this.tally.missed++;
      return void this.breakCompany(company, `agent freed, no offer within ${OFFER_TIMEOUT_MS} ms`);
    }
    into.push(update.receivedAt - freedAt);
    if (update.callSid !== head.callSid) {
      this.tally.outOfOrder++;
      this.error(`${company.id}: offered ${update.callSid}, the head of the line is ${head.callSid}`);
    }
    const at = company.line.findIndex((c) => c.callSid === update.callSid);
    if (at === -1) return void this.breakCompany(company, `offered ${update.callSid}, who is not in its line`);
    const caller = company.line.splice(at, 1)[0]!;
    try {
      const queueTime = String(Math.round((performance.now() - caller.enqueuedAt) / 1000));
      await this.send(telnyxPath('queue-exit', company.id), {
        CallSid: caller.callSid,
        From: caller.from,
        To: company.number,
        QueueResult: 'redirected',
        QueueTime: queueTime,
      });
      const offer = new URL(update.url ?? telnyxPath('queue-offer', company.id), 'http://service');
      const doc = await this.send(`${offer.pathname}${offer.search}`, {
        CallSid: caller.callSid,
        From: caller.from,
        To: company.number,
        CallStatus: 'in-progress',
        Direction: 'inbound',
      });
      if (!doc.body.includes('<Dial') || !doc.body.includes(`${company.agentSipUser}@`)) {
        this.tally.offerDocumentErrors++;
        return void this.breakCompany(company, `the offer's document is no <Dial> to its agent: ${doc.body.slice(0, 200)}`);
      }
      await this.send(telnyxPath('status', company.id), this.legFields(company, caller, 'in-progress'));
      company.onCall = caller;
      if (this.replenish) await this.arrive(company, true);
    } catch (err) {
      this.breakCompany(company, (err as Error).message);
    }
  }

  /** The agent hangs up: their leg's completed, the Dial's action, the call's own completed (Telnyx's order). */
  private async endCall(company: QueueCompany, caller: Caller): Promise<void> {
    await this.send(telnyxPath('status', company.id), this.legFields(company, caller, 'completed'));
    await this.send(telnyxPath('dial-complete', company.id), {
      CallSid: caller.callSid,
      From: caller.from,
      To: company.number,
      DialCallStatus: 'completed',
      DialCallSid: `${caller.callSid}-leg`,
      DialCallDuration: '5',
    });
    await this.send(telnyxPath('status', company.id), {
      CallSid: caller.callSid,
      From: caller.from,
      To: company.number,
      CallStatus: 'completed',
    });
  }

  /** The next Update call for one of the company's callers, or null after OFFER_TIMEOUT_MS. */
  private expectUpdate(company: QueueCompany): Promise<UpdateCallRequest | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(company.index);
        resolve(null);
      }, OFFER_TIMEOUT_MS);
      this.waiters.set(company.index, (update) => {
        clearTimeout(timer);
        resolve(update);
      });
    });
  }

  private updateArrived(update: UpdateCallRequest): void {
    // The service moves every answered agent leg into its call's room (docs/IN-CALL.md): not an offer.
    if (update.callSid.endsWith('-leg') && this.companyOfCall.has(update.callSid.slice(0, -'-leg'.length))) {
      this.tally.roomMoves++;
      return;
    }
    const company = this.companyOfCall.get(update.callSid);
    const waiter = company && this.waiters.get(company.index);
    if (!company || !waiter) {
      this.tally.unexpectedUpdates++;
      this.error(`an Update call nobody waited for: ${update.callSid}`);
      return;
    }
    this.waiters.delete(company.index);
    waiter(update);
  }

  /** Each waiting caller's waitUrl once per round (the first ones spread over a round); returns the stop. */
  private startWaitRounds(roundSeconds: number): () => Promise<void> {
    const roundMs = roundSeconds * 1000;
    const now = performance.now();
    for (const company of this.companies) for (const caller of company.line) caller.nextWaitAt = now + Math.random() * roundMs;
    const timer = setInterval(() => {
      const at = performance.now();
      for (const company of this.companies) {
        for (const caller of company.line) {
          if (caller.nextWaitAt > at) continue;
          caller.nextWaitAt += roundMs;
          const one = this.waitRound(company, caller);
          this.inFlightWaits.add(one);
          void one.finally(() => this.inFlightWaits.delete(one));
        }
      }
    }, WAIT_TICK_MS);
    return async () => {
      clearInterval(timer);
      await Promise.all(this.inFlightWaits);
    };
  }

  private async waitRound(company: QueueCompany, caller: Caller): Promise<void> {
    const sent = performance.now();
    try {
      const answer = await this.client!.post(
        telnyxPath('queue-wait', company.id),
        FORM,
        form({
          CallSid: caller.callSid,
          From: caller.from,
          To: company.number,
          QueueTime: String(Math.round((sent - caller.enqueuedAt) / 1000)),
        }),
      );
      this.waitSamples.push(performance.now() - sent);
      if (answer.status !== 200 || !answer.body.includes('<Response')) this.waitErrors++;
    } catch {
      this.waitErrors++;
    }
  }

  // ——— plumbing ———

  /** One webhook of a round or an arrival, timed; anything but 200 throws (the company's rounds stop). */
  private async send(path: string, fields: Record<string, string>): Promise<HttpAnswer> {
    const sent = performance.now();
    const answer = await this.client!.post(path, FORM, form(fields));
    this.webhookSamples.push(performance.now() - sent);
    if (answer.status !== 200) {
      this.tally.webhookErrors++;
      throw new Error(`${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    }
    return answer;
  }

  private newCaller(company: QueueCompany): Caller {
    // Zero-padded: the service breaks ties of arrival time by CallSid, and this order is arrival order.
    const seq = company.nextSeq++;
    const caller: Caller = {
      callSid: `bq-${this.run}-${String(company.index).padStart(4, '0')}-${String(seq).padStart(6, '0')}`,
      from: `+1202${String(5_000_000 + ((company.index * 10_007 + seq) % 5_000_000)).padStart(7, '0')}`,
      enqueuedAt: 0,
      nextWaitAt: Number.POSITIVE_INFINITY,
    };
    this.companyOfCall.set(caller.callSid, company);
    return caller;
  }

  private voiceFields(company: QueueCompany, caller: Caller): Record<string, string> {
    return { CallSid: caller.callSid, From: caller.from, To: company.number, CallStatus: 'ringing', Direction: 'inbound' };
  }

  /** The agent leg's status callback (`<Sip statusCallback>`): To is the SIP URI the Dial named. */
  private legFields(company: QueueCompany, caller: Caller, status: 'in-progress' | 'completed'): Record<string, string> {
    return {
      CallSid: `${caller.callSid}-leg`,
      ParentCallSid: caller.callSid,
      CallStatus: status,
      From: caller.from,
      To: `sip:${company.agentSipUser}@sip.telnyx.com`,
    };
  }

  private waiting(): number {
    return this.companies.reduce((n, c) => n + c.line.length, 0);
  }

  private breakCompany(company: QueueCompany, why: string): void {
    company.broken ??= why;
    this.error(`${company.id}: ${why}`);
  }

  private error(message: string): void {
    if (this.tally.errorSamples.size < MAX_ERROR_SAMPLES) this.tally.errorSamples.add(message.split('\n')[0]!.slice(0, 300));
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams({ AccountSid: ACCOUNT_SID, ...fields }).toString();

function freshTally() {
  return {
    missed: 0,
    outOfOrder: 0,
    offerDocumentErrors: 0,
    unexpectedUpdates: 0,
    roomMoves: 0,
    webhookErrors: 0,
    errorSamples: new Set<string>(),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hands waiting callers to agents the moment one frees up (docs/QUEUES.md). Anything that may free an
 * agent — a call or wrap-up ending, a break ending, a login, a missed offer — pokes the company; the
 * dispatch plans the offers under the company's call state (src/calls/queueing.ts), reserves each
 * agent, then asks Telnyx's REST API to move the caller: a redirect of the waiting call to the offer's
 * document, or, for a callback, a new call to the agent. A sweep every second pokes every company with
 * anyone waiting, so a poke lost with another instance, or a callback's retry time, is never missed by
 * more than a second.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { CallbackUrls } from '../domain/call-flow.js';
import type { Logger } from '../infra/logger.js';
import type { Directory, DirectoryCompany } from '../services/directory.js';
import type { CallScope } from './call-scope.js';
import type { QueueOffer, Queueing } from './queueing.js';
import type { SharedWaitingList, WaitingList } from './waiting-list.js';

/** What the dispatcher asks of Telnyx's REST API (src/telnyx/call-control.ts behind it). */
export interface QueueCallControl {
  /** Moves a live call to `url` (TeXML REST "Update call"). gone: the call no longer exists (the caller left). */
  redirect(req: {
    accountSid: string | null;
    callSid: string;
    url: string;
  }): Promise<{ ok: true } | { ok: false; gone: boolean; message: string }>;
  /** Places a call to an agent that fetches `url` when answered ("Initiate an outbound call"). */
  callAgent(req: {
    accountSid: string | null;
    to: string;
    from: string;
    url: string;
    statusCallback: string;
    timeoutSeconds: number;
  }): Promise<{ ok: true; callSid: string } | { ok: false; message: string }>;
}

/** How often every company with anyone waiting is looked at, whatever pokes came. */
export const QUEUE_SWEEP_MS = 1_000;

export class QueueDispatcher {
  private readonly poked = new Set<string>();
  private drainScheduled = false;
  /** Per company: the dispatch running, and whether another poke came meanwhile. */
  private readonly running = new Map<string, { again: boolean }>();
  private sweepTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      directory: Directory;
      scope: CallScope;
      queueing: Queueing;
      waiting: WaitingList;
      /** Multi-instance mode: the companies with anyone waiting on any instance. */
      shared?: SharedWaitingList;
      urls: (company: DirectoryCompany) => CallbackUrls;
      /** Null without TELNYX_API_KEY: then no caller ever waits (src/calls/queueing.ts restAvailable). */
      control: QueueCallControl | null;
      /**
       * Work in flight outside any webhook (tests on virtual time hold the clock while a dispatch runs,
       * as the local Telnyx holds it while a webhook is answered).
       */
      inFlight?: { begin(): void; end(): void };
    },
  ) {}

  /** Something may have freed an agent of the company: look for offers now. */
  poke(companyId: string): void {
    if (this.stopped || !this.deps.control) return;
    this.poked.add(companyId);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.deps.inFlight?.begin();
    setImmediate(() => {
      this.drainScheduled = false;
      const companies = [...this.poked];
      this.poked.clear();
      void Promise.all(companies.map((id) => this.dispatch(id))).finally(() => this.deps.inFlight?.end());
    });
  }

  /** Starts the sweep (every QUEUE_SWEEP_MS). */
  start(): void {
    if (!this.deps.control || this.sweepTimer) return;
    const { clock } = this.deps;
    const sweep = () => {
      this.sweepTimer = clock.setTimer(clock.now() + QUEUE_SWEEP_MS, sweep);
      void this.sweep();
    };
    this.sweepTimer = clock.setTimer(clock.now() + QUEUE_SWEEP_MS, sweep);
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer) this.deps.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Pokes every company with anyone waiting (here, or on any instance). */
  async sweep(): Promise<void> {
    const companies = new Set(this.deps.waiting.companiesWaiting());
    if (this.deps.shared) {
      // Part of the job the sweep starts (as the dispatch is): on virtual time, time holds while Redis answers.
      this.deps.inFlight?.begin();
      try {
        for (const id of await this.deps.shared.companiesWaiting()) companies.add(id);
      } catch (err) {
        this.deps.logger.warn({ err }, 'queue sweep: could not read the companies waiting from Redis');
      } finally {
        this.deps.inFlight?.end();
      }
    }
    for (const id of companies) this.poke(id);
  }

  /** Plans and makes the company's offers; one dispatch per company at a time (a poke meanwhile runs it again). */
  async dispatch(companyId: string): Promise<void> {
    const running = this.running.get(companyId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.running.set(companyId, state);
    try {
      while (state.again && !this.stopped) {
        state.again = false;
        await this.dispatchOnce(companyId);
      }
    } catch (err) {
      this.deps.logger.error({ err, companyId }, 'queue dispatch failed');
    } finally {
      this.running.delete(companyId);
    }
  }

  private async dispatchOnce(companyId: string): Promise<void> {
    const { directory, scope, queueing } = this.deps;
    const company = await directory.company(companyId);
    if (!company) return;
    const pairs = await scope.run(company, null, () => queueing.planOffers(company));
    for (const pair of pairs) {
      const offer = await scope.run(company, pair.callSid, () => queueing.reserveOffer(company, pair));
      if (offer) await this.send(company, offer);
    }
  }

  /** The REST call that moves the offer; on failure the reservation ends and the caller is back in line. */
  private async send(company: DirectoryCompany, offer: QueueOffer): Promise<void> {
    const control = this.deps.control!;
    const urls = this.deps.urls(company);
    const started = performance.now();
    const result =
      offer.kind === 'redirect'
        ? await control.redirect({ accountSid: offer.accountSid, callSid: offer.callSid, url: urls.queueOffer })
        : await control.callAgent({
            accountSid: offer.accountSid,
            to: offer.agentSip,
            from: offer.from,
            url: urls.callbackOf(offer.callSid).answer,
            statusCallback: urls.callbackOf(offer.callSid).status,
            timeoutSeconds: offer.ringSeconds,
          });
    const fields = {
      companyId: company.id,
      callSid: offer.callSid,
      agentId: offer.agentId,
      kind: offer.kind,
      ms: Math.round(performance.now() - started),
    };
    if (result.ok) {
      this.deps.logger.info(fields, 'queue offer sent');
      return;
    }
    const gone = 'gone' in result && result.gone === true;
    this.deps.logger.warn({ ...fields, gone, reason: result.message }, 'queue offer failed');
    await this.deps.scope.run(company, offer.callSid, () => this.deps.queueing.offerFailed(company, offer, gone));
  }
}

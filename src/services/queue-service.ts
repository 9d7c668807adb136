/**
 * The queues as supervisors watch them (docs/QUEUES.md §Live view): who is waiting where, in what
 * place and for how long, and each queue's figures for today; a query, and a feed that refreshes when
 * a caller joins, leaves or is offered, or a call changes (coalesced like the live statistics).
 */
import type { Clock } from '../domain/clock.js';
import { ableAgentCount, DEFAULT_HANDLE_SECONDS, estimateWaitSeconds, inLine, type QueuePolicy } from '../domain/queue.js';
import { queueDayFigures, waitingCallerViews, type QueueDayFigures, type WaitingCallerView } from '../domain/queue-stats.js';
import { recomputedOn, streamOf, type SharedFeed } from '../infra/feed.js';
import type { Logger } from '../infra/logger.js';
import type { CallService } from './call-service.js';
import type { Directory, DirectoryCompany } from './directory.js';
import type { StatsService } from './stats-service.js';
import type { PubSub } from './topics.js';

export interface QueueStatsView extends QueueDayFigures {
  queueId: string;
  name: string;
  /** Callers in line now (callbacks waiting included). */
  waiting: number;
  /** Callbacks keeping their place. */
  callbacks: number;
  longestWaitSeconds: number;
  /** What a caller joining now would be told; null when nobody able to take it is logged in. */
  estimatedWaitSeconds: number | null;
  /** Agents logged in who can take this queue's calls (free or not). */
  ableAgents: number;
}

export interface CompanyQueuesView {
  companyId: string;
  at: Date;
  queues: QueueStatsView[];
  /** Every waiting caller, in serving order. */
  waiting: WaitingCallerView[];
}

/** At most one pushed update per company per this many ms. */
export const QUEUE_PUSH_INTERVAL_MS = 250;

export class QueueService {
  constructor(
    private readonly deps: {
      directory: Directory;
      calls: CallService;
      stats: StatsService;
      pubsub: PubSub;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** The company's queues and waiting callers now. */
  async view(company: DirectoryCompany): Promise<CompanyQueuesView> {
    const { calls, stats, clock } = this.deps;
    const now = clock.now();
    const [callers, today] = await Promise.all([calls.waitingOf(company), stats.callsToday(company, now)]);
    const agents = calls.routingSnapshot(company);
    const inputs = new Map<string, { ableAgents: number; averageHandleSeconds: number }>();
    const inputsOf = (queueId: string) => {
      let found = inputs.get(queueId);
      if (!found) {
        const queue = company.queues.find((q) => q.id === queueId);
        found = {
          ableAgents: queue ? this.able(company, queue, agents) : 0,
          averageHandleSeconds: calls.waiting.handleAverage(company.id, queueId) ?? DEFAULT_HANDLE_SECONDS,
        };
        inputs.set(queueId, found);
      }
      return found;
    };
    const waiting = waitingCallerViews(callers, inputsOf, now);
    const queues = company.queues.map((queue): QueueStatsView => {
      const mine = callers.filter((c) => c.queueId === queue.id);
      const line = mine.filter(inLine);
      const { ableAgents, averageHandleSeconds } = inputsOf(queue.id);
      return {
        queueId: queue.id,
        name: queue.name,
        waiting: line.length,
        callbacks: mine.filter((c) => c.callback !== null).length,
        longestWaitSeconds: Math.max(0, ...mine.filter((c) => c.callback === null).map((c) => Math.floor((now - c.enqueuedAt) / 1000))),
        estimatedWaitSeconds: estimateWaitSeconds(line.length + 1, ableAgents, averageHandleSeconds),
        ableAgents,
        ...queueDayFigures(queue, today),
      };
    });
    return { companyId: company.id, at: new Date(now), queues, waiting };
  }

  feed(companyId: string): SharedFeed<CompanyQueuesView> {
    const { pubsub, clock, directory, logger } = this.deps;
    const compute = async () => {
      const company = await directory.company(companyId);
      return company ? this.view(company) : null;
    };
    return {
      key: `queues:${companyId}`,
      open: (emit) =>
        recomputedOn({
          subscriptions: [pubsub.subscribe('queues:changed', companyId), pubsub.subscribe('calls:changed', companyId)],
          compute,
          emit,
          clock,
          intervalMs: QUEUE_PUSH_INTERVAL_MS,
          onError: (err) => logger.warn({ err, companyId }, 'could not compute the live queues'),
        }),
      initial: async () => {
        try {
          const view = await compute();
          return view ? [view] : [];
        } catch (err) {
          logger.warn({ err, companyId }, 'could not compute the live queues');
          return [];
        }
      },
    };
  }

  subscribe(companyId: string): AsyncIterable<CompanyQueuesView> {
    return streamOf(this.feed(companyId));
  }

  private able(company: DirectoryCompany, queue: QueuePolicy, agents: ReturnType<CallService['routingSnapshot']>): number {
    return ableAgentCount({ queue, agents, allowUnregisteredSoftphones: company.policy.allowUnregisteredSoftphones, requiredSkills: null });
  }
}

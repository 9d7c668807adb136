/**
 * Prometheus metrics. One registry per app instance (tests run several servers in one process), the
 * default process metrics included. Labels are small closed sets: never a company, agent or call id
 * (cardinality, and /metrics must not leak one tenant's activity to whoever scrapes it).
 */
import { collectDefaultMetrics, Counter, type CounterConfiguration, Gauge, type LabelValues, type Metric, Registry } from 'prom-client';
import { decidedStep, isCallStepOutcome, type WebhookOutcome } from '../domain/webhook-outcome.js';

export type Transport = 'http' | 'ws';

export interface Metrics {
  registry: Registry;
  heartbeats: Counter<'transport'>;
  presenceTransitions: Counter<'to' | 'cause'>;
  routingDecisions: Counter<'outcome'>;
  webhookSeconds: SeriesHistogram<'route' | 'status'>;
  activeSubscriptions: Gauge<'transport'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    heartbeats: talliedCounter({
      name: 'curbe_heartbeats_total',
      help: 'Heartbeats accepted, by transport (GraphQL over HTTP or graphql-ws).',
      labelNames: ['transport'],
      registers,
    }),
    presenceTransitions: new Counter({
      name: 'curbe_presence_transitions_total',
      help: 'Agents going online or offline, by the state they went to and why.',
      labelNames: ['to', 'cause'],
      registers,
    }),
    routingDecisions: talliedCounter({
      name: 'curbe_routing_decisions_total',
      help: 'What the voice, language and dial-complete webhooks decided for a call.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookSeconds: new SeriesHistogram({
      name: 'curbe_webhook_duration_seconds',
      help: 'Telnyx webhook latency from request to TeXML written, by route.',
      labelNames: ['route', 'status'],
      // Decisions are in-memory (sub-millisecond); the tail is the database and WEBHOOK_DEADLINE_MS.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    activeSubscriptions: new Gauge({
      name: 'curbe_active_subscriptions',
      help: 'GraphQL subscriptions open now, by transport (graphql-ws or SSE over HTTP).',
      labelNames: ['transport'],
      registers,
    }),
  };
}

/**
 * A counter bumped ~10k times a second (heartbeats): `inc` with its one label adds to a plain number
 * per label value, and the tallies go into the Prometheus series whenever it is read (a scrape,
 * `get()`), instead of prom-client hashing a label object on every increment. Anything else goes
 * through prom-client as is (its checks and errors).
 */
function talliedCounter<T extends string>(config: CounterConfiguration<T> & { labelNames: readonly [T] }): Counter<T> {
  const [label] = config.labelNames;
  const tally = new Map<string, { labels: LabelValues<T>; count: number }>();
  const counter = new Counter<T>({
    ...config,
    collect() {
      for (const entry of tally.values()) {
        if (entry.count === 0) continue;
        add(entry.labels, entry.count);
        entry.count = 0;
      }
    },
  });
  const add = counter.inc.bind(counter) as (labels: LabelValues<T>, value: number) => void;
  counter.inc = ((labels?: unknown, value?: number) => {
    const n = value ?? 1;
    const key = typeof labels === 'object' && labels !== null ? (labels as Record<string, unknown>)[label] : undefined;
    if (typeof key !== 'string' || Object.keys(labels!).length !== 1 || !(n >= 0 && Number.isFinite(n))) {
      return (add as (...args: unknown[]) => void)(labels, value);
    }
    const entry = tally.get(key);
    if (entry) entry.count += n;
    else tally.set(key, { labels: { [label]: key } as LabelValues<T>, count: n });
  }) as Counter<T>['inc'];
  return counter;
}

/** One labelled series of a SeriesHistogram: what an observation costs is a bucket search and three additions. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A Prometheus histogram for a hot path (every webhook's latency): the caller asks once for the
 * series of a label set and keeps it, and an observation only adds to that series' own counts, where
 * prom-client's Histogram builds a label object and a key string and checks the labels on every one
 * (about a microsecond, a few percent of a TeXML answer). Scraped through the registry like any
 * prom-client metric, in the same exposition (`_bucket` per `le` plus `+Inf`, `_sum`, `_count`), as a
 * test holds it to prom-client's own Histogram.
 */
export class SeriesHistogram<T extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly T[];
  private readonly bounds: Float64Array;
  private readonly series = new Map<
    string,
    { labels: Record<string, string | number>; counts: Float64Array; sum: number; count: number }
  >();

  constructor(config: { name: string; help: string; labelNames: readonly T[]; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = Float64Array.from([...config.buckets].sort((a, b) => a - b));
    // A metric to the registry: it reads name, help, type, aggregator, get() and reset().
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of this label set (every label named, as prom-client requires), to keep and observe into. */
  labels(labels: LabelValues<T>): HistogramSeries {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((l) => !this.labelNames.includes(l as T))) {
      throw new Error(`${this.name}: labels must be exactly ${this.labelNames.join(', ')}`);
    }
    const key = this.labelNames.map((l) => String(labels[l])).join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels } as Record<string, string | number>, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    const { bounds } = this;
    const series = entry;
    return {
      observe(value: number) {
        if (!Number.isFinite(value)) return; // prom-client would throw; a latency is never one
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        if (i < bounds.length) series.counts[i]! += 1;
        series.sum += value;
        series.count += 1;
      },
    };
  }

  /** The exposition prom-client's Histogram gives: cumulative buckets by `le`, then `+Inf`, `_sum` and `_count`. */
  get() {
    // Buckets carry `exemplar: null` as prom-client's do (this histogram keeps no exemplars).
    const values: { metricName: string; labels: Record<string, string | number>; value: number; exemplar?: null }[] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[i]!, ...labels }, value: cumulative, exemplar: null });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count, exemplar: null });
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** Every series back to zero (registry.resetMetrics()); series kept by callers go on counting from there. */
  reset(): void {
    for (const entry of this.series.values()) {
      entry.counts.fill(0);
      entry.sum = 0;
      entry.count = 0;
    }
  }
}

/** What a webhook records: its latency by route and status, and the routing decision it made. */
export interface WebhookObserver {
  duration(route: string, status: number, seconds: number): void;
  decision(outcome: RoutingOutcomeLabel): void;
}

/**
 * The webhook instruments with their labelled series looked up once per label set and kept (a few
 * routes × statuses, seven outcomes), instead of a label object, a timer closure and a label check
 * per request.
 */
export function webhookObserver(metrics: Metrics): WebhookObserver {
  // By route, then status: no key string built per request.
  const durations = new Map<string, Map<number, { observe(seconds: number): void }>>();
  const decisions = new Map<string, { inc(): void }>();
  return {
    duration(route, status, seconds) {
      let byStatus = durations.get(route);
      if (!byStatus) durations.set(route, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) {
        series = metrics.webhookSeconds.labels({ route, status: String(status) });
        byStatus.set(status, series);
      }
      series.observe(seconds);
    },
    decision(outcome) {
      let series = decisions.get(outcome);
      if (!series) {
        series = metrics.routingDecisions.labels({ outcome });
        decisions.set(outcome, series);
      }
      series.inc();
    },
  };
}

/** The closed set of routing decision labels (curbe_routing_decisions_total{outcome}). */
export type RoutingOutcomeLabel =
  | 'ring'
  | 'hold'
  | 'fallback'
  | 'after-hours'
  | 'language-menu'
  | 'answered'
  | 'unrouted'
  | 'queue-waiting'
  | 'queue-overflow'
  | 'queue-step'
  | 'transferred';

/**
 * The metrics label of a webhook's outcome: what the step finally decided (a language choice or a
 * dial's end count as the step they led to); no outcome → unrouted (an apology or the error
 * fallback). Status callbacks and voicemails are bookkeeping, not routing decisions: null.
 */
export function routingOutcomeLabel(outcome: WebhookOutcome | undefined): RoutingOutcomeLabel | null {
  if (!outcome) return 'unrouted';
  if (!isCallStepOutcome(outcome)) return null;
  const decided = decidedStep(outcome);
  switch (decided.kind) {
    case 'ring':
    case 'hold':
    case 'language-menu':
    case 'answered':
      return decided.kind;
    case 'fallback':
      return decided.reason === 'AFTER_HOURS' ? 'after-hours' : 'fallback';
    case 'hunt-over':
      return 'fallback';
    case 'queue':
      return decided.result === 'waiting' ? 'queue-waiting' : 'queue-overflow';
    case 'queue-step':
      return 'queue-step';
    case 'forwarded':
      return 'transferred';
  }
}

/** What waits for the database, as the services see it (read at scrape time). */
export interface WaitingWrites {
  calls: { log: { what: string; waiting: number; dropped: number } };
  presence: { lastSeen: { what: string; waiting: number; dropped: number } };
  voicemails: { outbox: { waiting: number } };
}

/**
 * Rows waiting for the database per write-behind (`what`), rows dropped past the bound, and
 * voicemails waiting in the outbox: read from the services when /metrics is scraped.
 */
export function observeWaitingWrites(metrics: Metrics, services: WaitingWrites): void {
  const registers = [metrics.registry];
  const writers = () => [services.calls.log, services.presence.lastSeen];
  new Gauge({
    name: 'curbe_write_behind_waiting_rows',
    help: 'Rows (call log, last-seen times) not yet in the database: batched, or kept while it is away.',
    labelNames: ['what'],
    registers,
    collect() {
      for (const w of writers()) this.set({ what: w.what }, w.waiting);
    },
  });
  const countedDrops = new Map<string, number>();
  new Counter({
    name: 'curbe_write_behind_dropped_rows_total',
    help: 'Rows dropped because more than WRITE_BEHIND_MAX_WAITING_ROWS waited for the database.',
    labelNames: ['what'],
    registers,
    collect() {
      for (const w of writers()) {
        const delta = w.dropped - (countedDrops.get(w.what) ?? 0);
        this.inc({ what: w.what }, Math.max(0, delta));
        countedDrops.set(w.what, w.dropped);
      }
    },
  });
  new Gauge({
    name: 'curbe_voicemail_outbox_waiting',
    help: 'Voicemails queued on disk because the database was unavailable, not yet stored.',
    registers,
    collect() {
      this.set(services.voicemails.outbox.waiting);
    },
  });
}

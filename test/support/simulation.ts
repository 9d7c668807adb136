/**
 * Whole calls through the local Telnyx (src/simulator) against a real service: the service is
 * configured as the demo configures it (signed webhooks, agents provisioned on the local account's
 * credential connection, recordings on the simulator's host), and by default both run on one VirtualClock, so a 20 s ring plays in
 * milliseconds. `call()` takes the scenario language ("call from X to Y; press 2; agent ana answers
 * after 3 s") and returns the transcript; it fails the test on any dialect error or failed request
 * unless told to expect them. `calls()` plays many at once (a burst, staggered), with actions at given
 * virtual seconds (an agent going on break); `phoneBook()` scripts agents for every call that rings them.
 *
 * Virtual time jumps whenever nothing is in flight. Webhooks and the local Telnyx's REST API count as in
 * flight; work the service starts on its own (a timer that offers a waiting caller through the REST API)
 * must count too: hand it `clock.busy` (src/telnyx/call-control.ts `inFlight`) around the whole job.
 *
 * `instances: n` starts n instances of one deployment instead (test/support/shared-backends.ts: one
 * fresh Postgres, one Redis prefix, all on the same VirtualClock) behind a round-robin load balancer
 * that is their PUBLIC_URL, so the local Telnyx's webhooks for one call land on any of them.
 */
import { startSimulatorHost, type SimulatorHost } from '../../src/demo/local-telnyx-host.js';
import { createLogger } from '../../src/infra/logger.js';
import type { TexmlApplication } from '../../src/simulator/call-engine.js';
import type { CallResult, Step } from '../../src/simulator/transcript.js';
import { formatStep } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import type { WaitingCaller } from '../../src/domain/queue.js';
import type { Balancer } from './balancer.js';
import { ADMIN_KEY, startServer, type TestServer } from './harness.js';
import { type SharedBackends, startSharedBackends } from './shared-backends.js';

export interface Simulation {
  /** The (first) instance: admin operations, heartbeats and reads go to it. */
  server: TestServer;
  /** Every instance, in start order (one unless started with `instances`). */
  servers: TestServer[];
  /** Several instances: the round-robin load balancer Telnyx reaches them through (their PUBLIC_URL); else null. */
  balancer: Balancer | null;
  /** Several instances: what each logged at info and above, as parsed JSON lines; else empty lists. */
  logs: Record<string, unknown>[][];
  /** The company's waiting callers: the instance's list, or with several instances the shared copy in Redis. */
  waiting(companyId: string): Promise<WaitingCaller[]>;
  host: SimulatorHost;
  telnyx: SimulatorHost['telnyx'];
  /** Null in real time (browser tests). */
  clock: VirtualClock | null;
  /**
   * Plays one call to its end. `agents` maps scenario names to SIP usernames; `application` changes
   * the TeXML application the number points at (e.g. a status callback URL without the company).
   */
  call(
    scenario: string,
    opts?: { agents?: Record<string, string>; allowErrors?: boolean; application?: Partial<TexmlApplication> },
  ): Promise<CallResult>;
  /**
   * Plays many calls at once under one run of virtual time and resolves with their transcripts (in the
   * order given) once every call has ended and every action has settled. A call starts at its `at`
   * (virtual seconds from now), else its index × `staggerSeconds` (default 0: a burst). Each action
   * runs at its `at` with time held until it settles (a GraphQL status change, a check).
   */
  calls(plans: readonly (string | CallPlan)[], opts?: CallsOptions): Promise<CallResult[]>;
  /**
   * Standing behaviours for every call that rings these phones, in the scenario language's agent and
   * number statements (`agent ana answers after 1 s and hangs up after 20 s`; `agent ana is not
   * scripted` takes it back). A call's own statements win over them.
   */
  phoneBook(statements: string, agents?: Record<string, string>): void;
  /** Creates a company with a number and agents, brings the agents online (heartbeats), gives each a softphone credential. */
  company(input: CompanyInput): Promise<SimulatedCompany>;
  close(): Promise<void>;
}

/** One call of `calls()`. */
export interface CallPlan {
  scenario: string;
  /** Virtual seconds after `calls()` starts; default: its index × staggerSeconds. */
  at?: number;
  agents?: Record<string, string>;
  allowErrors?: boolean;
  observe?: (step: Step, callSid: string) => void;
}

export interface CallsOptions {
  /** Names → SIP usernames for every call (a plan's own `agents` add to them). */
  agents?: Record<string, string>;
  staggerSeconds?: number;
  /** Run at virtual seconds after the start, with time held until each settles. */
  actions?: { at: number; run: () => Promise<unknown> }[];
  allowErrors?: boolean;
  /** Changes the TeXML application every number points at (as in `call`). */
  application?: Partial<TexmlApplication>;
}

export interface CompanyInput {
  number: string;
  routing?: Record<string, unknown>;
  agents: { name: string; tier?: number; position?: number; skills?: { name: string; level?: number }[]; online?: boolean }[];
  numberSkills?: string;
  fields?: Record<string, unknown>;
}

export interface SimulatedCompany {
  companyId: string;
  number: string;
  /** Scenario name → the SIP username calls dial: the agent's provisioned credential's (gencred…). */
  agents: Record<string, string>;
  agentIds: Record<string, string>;
  tokens: Record<string, string>;
  supervisor: string;
  /** Heartbeats the agent again (virtual time moves: keep them online across long scenarios). */
  heartbeat(name: string): Promise<void>;
  /** The agent sets its own status (setAgentStatus), e.g. a break in the middle of a burst of calls. */
  setStatus(name: string, status: 'AVAILABLE' | 'ON_BREAK', reason?: string): Promise<void>;
}

let companies = 0;

export async function startSimulation(
  opts: {
    env?: Record<string, string>;
    webRoot?: string;
    virtualTime?: boolean;
    /** Instances of one deployment behind a round-robin load balancer (Postgres and Redis needed); default 1. */
    instances?: number;
  } = {},
): Promise<Simulation> {
  const instances = opts.instances ?? 1;
  if (instances > 1 && opts.virtualTime === false) throw new Error('simulation: several instances run on virtual time only');
  const clock = opts.virtualTime === false ? null : new VirtualClock();
  const logger = createLogger((process.env.TEST_LOG_LEVEL as never) ?? 'silent');
  const host = await startSimulatorHost(
    { host: '127.0.0.1', telnyxSimulator: { enabled: true, port: 0 } },
    logger,
    clock ? { clock: clock.driving, busy: clock.busy } : {},
  );
  const shared: SharedBackends | null = instances > 1 ? await startSharedBackends() : null;
  const logs: Record<string, unknown>[][] = [];
  const servers: TestServer[] = [];
  const closeAll = async () => {
    const closed = await Promise.allSettled(servers.map((s) => s.close()));
    await host.close();
    await shared?.close();
    const failed = closed.find((c) => c.status === 'rejected');
    if (failed) throw failed.reason;
  };
  // One after another: the first applies the migrations to the fresh database.
  for (let i = 0; i < instances; i++) {
    const lines: Record<string, unknown>[] = [];
    logs.push(lines);
    let control: ReturnType<SimulatorHost['control']> | null = null;
    const server = await startServer({
      clock: clock ?? undefined,
      // The queue's dispatch runs outside webhooks (an agent freed up): time holds while it works.
      ...(clock && { inFlight: clock.busy }),
      ...(shared && { logger: capturingLogger(lines) }),
      webRoot: opts.webRoot,
      env: { PRESENCE_TTL_MS: '600000', ...shared?.env, ...opts.env },
      configure: (config) => host.configure(config),
      routes: [
        {
          name: 'local Telnyx control',
          matches: (path) => path === '/simulator' || path.startsWith('/simulator/'),
          serve: (req, res, { path }) => (control ? control(req, res, path) : void res.writeHead(503).end()),
        },
      ],
    }).catch(async (err: unknown) => {
      await closeAll().catch(() => {});
      throw err;
    });
    control = host.control(server.app.services, server.database.prisma, () => shared?.balancer.url ?? server.url);
    servers.push(server);
  }
  shared?.balancer.upstreams.push(...servers.map((s) => s.url));
  const server = servers[0]!;
  /** Where the local Telnyx reaches the service: the load balancer, or the one instance. */
  const serviceUrl = shared?.balancer.url ?? server.url;

  /** The TeXML application the called number of a scenario points at. */
  const applicationOf = async (text: string, change: Partial<TexmlApplication> = {}): Promise<TexmlApplication> => {
    const to = /\bto\s+(\+?\d+)/i.exec(text)?.[1] ?? '';
    const base = await host.applicationFor(server.app.services, to, serviceUrl);
    if (!base) throw new Error(`simulation: ${to} is no company's number`);
    return { ...base, ...change };
  };
  const checked = (result: CallResult, allowErrors: boolean | undefined): CallResult => {
    if (!allowErrors && result.errors.length) {
      throw new Error(`the call went wrong:\n${result.errors.join('\n')}\n\ntranscript:\n${result.steps.map(formatStep).join('\n')}`);
    }
    return result;
  };

  const simulation: Simulation = {
    server,
    servers,
    balancer: shared?.balancer ?? null,
    logs,
    async waiting(companyId) {
      return shared ? shared.waiting(companyId) : server.app.services.calls.waiting.of(companyId);
    },
    host,
    telnyx: host.telnyx,
    clock,
    async call(text, callOpts = {}) {
      const application = await applicationOf(text, callOpts.application);
      const playing = host.telnyx.scenario(text, { agents: callOpts.agents, application });
      return checked(clock ? await clock.run(playing) : await playing, callOpts.allowErrors);
    },
    async calls(given, callsOpts = {}) {
      if (!clock) throw new Error('simulation: calls() needs virtual time');
      const plans = given.map((p, i) => {
        const plan = typeof p === 'string' ? { scenario: p } : p;
        return { ...plan, at: plan.at ?? i * (callsOpts.staggerSeconds ?? 0) };
      });
      // Looked up before time runs: each is a database query, and nothing holds time for it later.
      const applications = await Promise.all(plans.map((p) => applicationOf(p.scenario, callsOpts.application)));
      const start = clock.now();
      const at = <T>(seconds: number, run: () => Promise<T>): Promise<T> =>
        new Promise<T>((resolve, reject) => clock.driving.setTimer(start + seconds * 1000, () => void run().then(resolve, reject)));
      const playing = plans.map((plan, i) =>
        at(plan.at, () =>
          host.telnyx.scenario(plan.scenario, {
            agents: { ...callsOpts.agents, ...plan.agents },
            application: applications[i]!,
            observe: plan.observe,
          }),
        ),
      );
      const acting = (callsOpts.actions ?? []).map((action) =>
        at(action.at, () => {
          clock.busy.begin();
          return action.run().finally(() => clock.busy.end());
        }),
      );
      const [results] = await clock.run(Promise.all([Promise.all(playing), Promise.all(acting)]));
      return results.map((result, i) => checked(result, plans[i]!.allowErrors ?? callsOpts.allowErrors));
    },
    phoneBook(statements, agents = {}) {
      host.telnyx.script(statements, agents);
    },
    async company(input) {
      const n = ++companies;
      const { createCompany } = await server.admin(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, {
        i: { name: `Simulated ${n}`, ...input.fields, routing: { allowUnregisteredSoftphones: true, ...input.routing } },
      });
      const companyId: string = createCompany.id;
      await server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
        i: { companyId, e164: input.number, ...(input.numberSkills ? { requiredSkills: input.numberSkills } : {}) },
      });
      const agents: Record<string, string> = {};
      const agentIds: Record<string, string> = {};
      const tokens: Record<string, string> = {};
      for (const a of input.agents) {
        const sip = `${a.name}.c${n}`;
        // Provisioned by the service on the local account's connection (TELNYX_CONNECTION_ID, set by the host).
        const { createAgent } = await server.admin(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { id telnyxSipUsername } }`, {
          i: { companyId, displayName: a.name, sipUsername: sip, tier: a.tier ?? 1, position: a.position ?? 0, skills: a.skills ?? [] },
        });
        const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, {
          a: createAgent.id,
        });
        agents[a.name] = createAgent.telnyxSipUsername;
        agentIds[a.name] = createAgent.id;
        tokens[a.name] = issueAgentToken.token;
      }
      const heartbeat = async (name: string) => {
        const res = await server.gql(`mutation { heartbeat(input: { sipRegistered: true }) { nextHeartbeatInMs } }`, {}, tokens[name]);
        if (res.errors) throw new Error(`heartbeat of ${name} failed: ${JSON.stringify(res.errors)}`);
      };
      const setStatus = async (name: string, status: 'AVAILABLE' | 'ON_BREAK', reason?: string) => {
        const res = await server.gql(
          `mutation($s: AgentStatus!, $r: String) { setAgentStatus(input: { status: $s, reason: $r }) { status } }`,
          { s: status, r: reason ?? null },
          tokens[name],
        );
        if (res.errors) throw new Error(`${name} could not set ${status}: ${JSON.stringify(res.errors)}`);
      };
      for (const a of input.agents) if (a.online !== false) await heartbeat(a.name);
      const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
        c: companyId,
      });
      return { companyId, number: input.number, agents, agentIds, tokens, supervisor: issueSupervisorToken.token, heartbeat, setStatus };
    },
    close: closeAll,
  };
  return simulation;
}

/** A logger at info that keeps each line, parsed, in `lines` (and prints nothing). */
function capturingLogger(lines: Record<string, unknown>[]) {
  return createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

export { ADMIN_KEY };

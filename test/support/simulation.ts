/**
 * Whole calls through the local Telnyx (src/simulator) against a real service: the service is
 * configured as the demo configures it (signed webhooks, agents provisioned on the local account's
 * credential connection, recordings on the simulator's host), and by default both run on one VirtualClock, so a 20 s ring plays in
 * milliseconds. `call()` takes the scenario language ("call from X to Y; press 2; agent ana answers
 * after 3 s") and returns the transcript; it fails the test on any dialect error or failed request
 * unless told to expect them.
 */
import { startSimulatorHost, type SimulatorHost } from '../../src/demo/local-telnyx-host.js';
import { createLogger } from '../../src/infra/logger.js';
import type { TexmlApplication } from '../../src/simulator/call-engine.js';
import type { CallResult } from '../../src/simulator/transcript.js';
import { formatStep } from '../../src/simulator/transcript.js';
import { VirtualClock } from '../../src/simulator/virtual-clock.js';
import { ADMIN_KEY, startServer, type TestServer } from './harness.js';

export interface Simulation {
  server: TestServer;
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
  /** Creates a company with a number and agents, brings the agents online (heartbeats), gives each a softphone credential. */
  company(input: CompanyInput): Promise<SimulatedCompany>;
  close(): Promise<void>;
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
}

let companies = 0;

export async function startSimulation(
  opts: { env?: Record<string, string>; webRoot?: string; virtualTime?: boolean } = {},
): Promise<Simulation> {
  const clock = opts.virtualTime === false ? null : new VirtualClock();
  const logger = createLogger((process.env.TEST_LOG_LEVEL as never) ?? 'silent');
  const host = await startSimulatorHost(
    { host: '127.0.0.1', telnyxSimulator: { enabled: true, port: 0 } },
    logger,
    clock ? { clock: clock.driving, busy: clock.busy } : {},
  );
  let control: ReturnType<SimulatorHost['control']> | null = null;
  const server = await startServer({
    clock: clock ?? undefined,
    webRoot: opts.webRoot,
    env: { PRESENCE_TTL_MS: '600000', ...opts.env },
    configure: (config) => host.configure(config),
    routes: [
      {
        name: 'local Telnyx control',
        matches: (path) => path === '/simulator' || path.startsWith('/simulator/'),
        serve: (req, res, { path }) => (control ? control(req, res, path) : void res.writeHead(503).end()),
      },
    ],
  });
  control = host.control(server.app.services, server.database.prisma, () => server.url);

  const simulation: Simulation = {
    server,
    host,
    telnyx: host.telnyx,
    clock,
    async call(text, callOpts = {}) {
      const to = /\bto\s+(\+?\d+)/i.exec(text)?.[1] ?? '';
      const base = await host.applicationFor(server.app.services, to, server.url);
      if (!base) throw new Error(`simulation: ${to} is no company's number`);
      const application = { ...base, ...callOpts.application };
      const playing = host.telnyx.scenario(text, { agents: callOpts.agents, application });
      const result = clock ? await clock.run(playing) : await playing;
      if (!callOpts.allowErrors && result.errors.length) {
        throw new Error(`the call went wrong:\n${result.errors.join('\n')}\n\ntranscript:\n${result.steps.map(formatStep).join('\n')}`);
      }
      return result;
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
      for (const a of input.agents) if (a.online !== false) await heartbeat(a.name);
      const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
        c: companyId,
      });
      return { companyId, number: input.number, agents, agentIds, tokens, supervisor: issueSupervisorToken.token, heartbeat };
    },
    async close() {
      await server.close();
      await host.close();
    },
  };
  return simulation;
}

export { ADMIN_KEY };

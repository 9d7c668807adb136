/**
 * The demo's Telnyx: the local Telnyx (src/simulator) started in this process when there is no Telnyx
 * account (TELNYX_SIMULATOR), with the service's Telnyx settings pointed at it — API key and base URL,
 * WebRTC host, webhook public key, its recording host — so every call takes the real path: signed
 * webhooks, softphones that register with minted login tokens and ring on `<Dial><Sip>`. Each agent
 * gets a telephony credential on it with the agent's SIP username (the local account starts empty
 * each run; an agent's `telnyxCredentialId` is kept so the same id is recreated).
 */
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Services } from '../services/index.js';
import { parseRecordingAllowList } from '../telnyx/recording-url.js';
import { CONTROL_PATH, createControlEndpoint } from '../simulator/control-endpoint.js';
import { LocalTelnyx, type LocalTelnyxOptions } from '../simulator/local-telnyx.js';
import type { CallOutcome } from '../simulator/transcript.js';
import type { TexmlApplication } from '../simulator/call-engine.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimulatorHost {
  telnyx: LocalTelnyx;
  /** The service's configuration with its Telnyx settings pointed at the local Telnyx. */
  configure<C extends Config>(config: C): C;
  /** A credential for every agent (created, or recreated under its kept id); how many agents it newly linked. */
  provision(db: Db): Promise<number>;
  /** The TeXML application a called number points at: the service's voice URL and its company's status URL. */
  applicationFor(services: Services, to: string, url: string): Promise<TexmlApplication | null>;
  /** The /simulator routes, once the service is built and listening at `url`; from then on new agents get credentials too. */
  control(services: Services, db: Db, url: () => string): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  close(): Promise<void>;
}

export { CONTROL_PATH };

/** One application per company's numbers: the voice URL finds the company by `To`; the status URL names it. */
async function applicationFor(services: Services, to: string, url: string): Promise<TexmlApplication | null> {
  const companyId = await services.directory.companyIdForNumber(to);
  if (!companyId) return null;
  return {
    voiceUrl: `${url}/telnyx/voice`,
    voiceMethod: 'POST',
    statusCallback: `${url}/telnyx/status/${encodeURIComponent(companyId)}`,
    statusCallbackMethod: 'POST',
  };
}

export async function startSimulatorHost(
  config: Pick<Config, 'host' | 'telnyxSimulator'>,
  logger: Logger,
  time: Pick<LocalTelnyxOptions, 'clock' | 'busy'> = {},
): Promise<SimulatorHost> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const telnyx = await LocalTelnyx.start({ ...time, port: config.telnyxSimulator.port, host, log: (line) => logger.debug(line) });
  logger.info({ url: telnyx.url }, 'local Telnyx started (TELNYX_SIMULATOR): calls, softphones and webhooks run against it');
  /** Gives every agent (of one company, or all) a credential; returns how many agents it newly linked. */
  async function provision(db: Db, companyId?: string): Promise<number> {
    const agents = await db.agent.findMany({
      where: companyId ? { companyId } : {},
      select: { id: true, displayName: true, sipUsername: true, telnyxCredentialId: true },
    });
    let linked = 0;
    for (const agent of agents) {
      // A credential the agent was linked to on purpose (made through the REST API) stays.
      if (agent.telnyxCredentialId && telnyx.credentials.get(agent.telnyxCredentialId)) continue;
      const credential = telnyx.ensureCredential({
        id: agent.telnyxCredentialId ?? undefined,
        sipUsername: agent.sipUsername,
        name: agent.displayName,
      });
      if (agent.telnyxCredentialId !== credential.id) {
        await db.agent.update({ where: { id: agent.id }, data: { telnyxCredentialId: credential.id } });
        linked++;
      }
    }
    return linked;
  }

  return {
    telnyx,
    applicationFor,
    configure(c) {
      // Browsers reach the signalling socket by the name the page was opened with; localhost is the demo's.
      const browserWs = telnyx.websocketUrl.replace('127.0.0.1', 'localhost');
      return {
        ...c,
        telnyxApiKey: telnyx.apiKey,
        telnyxApiBaseUrl: telnyx.apiBaseUrl,
        telnyxWebrtcHost: browserWs,
        telnyxPublicKey: telnyx.publicKey,
        recordingUrlRules: [...c.recordingUrlRules, ...parseRecordingAllowList(telnyx.url, { production: false })],
      };
    },
    provision: (db) => provision(db),
    control(services, db, url) {
      // Agents added while running get their credential at once (and the cache learns of it).
      services.directory.onChange((change) => {
        if (!('company' in change)) return;
        void provision(db, change.company).then(
          (linked) => linked > 0 && services.directory.invalidateCompany(change.company),
          (err) => logger.warn({ err, companyId: change.company }, 'local Telnyx: could not give new agents a credential'),
        );
      });
      return createControlEndpoint({
        telnyx,
        applicationFor: (to) => applicationFor(services, to, url()),
        async loggedOutcome(callSid) {
          await services.calls.log.flush();
          const row = await db.callLog.findFirst({ where: { callSid }, select: { outcome: true } });
          return (row?.outcome as CallOutcome | null | undefined) ?? null;
        },
        async agentNames() {
          const agents = await db.agent.findMany({ select: { displayName: true, sipUsername: true } });
          const names: Record<string, string> = {};
          for (const a of agents) {
            names[a.sipUsername.toLowerCase()] = a.sipUsername;
            names[a.displayName.toLowerCase()] = a.sipUsername;
            const first = a.displayName.split(/\s+/)[0]?.toLowerCase();
            if (first && !(first in names)) names[first] = a.sipUsername;
          }
          return names;
        },
      });
    },
    close: () => telnyx.close(),
  };
}

/**
 * The demo's Telnyx: the local Telnyx (src/simulator) started in this process when there is no Telnyx
 * account (TELNYX_SIMULATOR), with the service's Telnyx settings pointed at it — API key and base URL,
 * the credential connection agents are provisioned on (TELNYX_CONNECTION_ID), WebRTC host, webhook
 * public key, its recording host — so every call takes the real path: agents get their telephony
 * credentials through the service's own provisioning (POST /v2/telephony_credentials), signed
 * webhooks, softphones that register with minted login tokens and ring at their credentials'
 * generated SIP usernames. The local account starts empty at each run, so the credentials agents
 * already hold are created again on it under the same id and SIP username (`restore`).
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
  /** Recreates on the fresh local account the credentials agents hold (same id, same SIP username); how many. */
  restore(db: Db): Promise<number>;
  /** Agents without a credential (the seeded demo company) get one through the service's provisioning; how many. */
  provisionMissing(services: Services, db: Db): Promise<number>;
  /** The TeXML application a called number points at: the service's voice URL and its company's status URL. */
  applicationFor(services: Services, to: string, url: string): Promise<TexmlApplication | null>;
  /** The /simulator routes, once the service is built and listening at `url`. */
  control(services: Services, db: Db, url: () => string): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  close(): Promise<void>;
}

export { CONTROL_PATH };

/**
 * The one shared TeXML application every number of the demo points at, as README "With Telnyx" sets
 * up a real account: the voice URL finds the company by `To`, the status URL by the call. Null for a
 * number no company has.
 */
async function applicationFor(services: Services, to: string, url: string): Promise<TexmlApplication | null> {
  if (!(await services.directory.companyIdForNumber(to))) return null;
  return { voiceUrl: `${url}/telnyx/voice`, voiceMethod: 'POST', statusCallback: `${url}/telnyx/status`, statusCallbackMethod: 'POST' };
}

export async function startSimulatorHost(
  config: Pick<Config, 'host' | 'telnyxSimulator'>,
  logger: Logger,
  time: Pick<LocalTelnyxOptions, 'clock' | 'busy'> = {},
): Promise<SimulatorHost> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const telnyx = await LocalTelnyx.start({ ...time, port: config.telnyxSimulator.port, host, log: (line) => logger.debug(line) });
  logger.info({ url: telnyx.url }, 'local Telnyx started (TELNYX_SIMULATOR): calls, softphones and webhooks run against it');
  async function restore(db: Db): Promise<number> {
    const agents = await db.agent.findMany({
      where: { telnyxCredentialId: { not: null } },
      select: { id: true, sipUsername: true, telnyxCredentialId: true, telnyxSipUsername: true },
    });
    let restored = 0;
    for (const agent of agents) {
      if (!agent.telnyxSipUsername) {
        // Linked before provisioning (its SIP username never read): provisionMissing gives it a new one.
        await db.agent.update({ where: { id: agent.id }, data: { telnyxCredentialId: null } });
        continue;
      }
      telnyx.ensureCredential({ id: agent.telnyxCredentialId!, sipUsername: agent.telnyxSipUsername, name: agent.sipUsername });
      restored++;
    }
    return restored;
  }

  async function provisionMissing(services: Services, db: Db): Promise<number> {
    const agents = await db.agent.findMany({ where: { enabled: true, telnyxCredentialId: null }, select: { id: true } });
    for (const agent of agents) await services.configuration.reprovisionAgentCredential(agent.id);
    if (agents.length > 0) logger.info({ agents: agents.length }, 'local Telnyx: agents without a credential provisioned');
    return agents.length;
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
        // Agents are provisioned on the local account's credential connection, as with a real account.
        telnyxConnectionId: telnyx.connectionId,
        // The ApplicationSid calls the service creates go out under (the local account's ids are one).
        telnyxTexmlApplicationId: telnyx.connectionId,
        telnyxAccountSid: telnyx.accountSid,
        telnyxWebrtcHost: browserWs,
        telnyxPublicKey: telnyx.publicKey,
        recordingUrlRules: [...c.recordingUrlRules, ...parseRecordingAllowList(telnyx.url, { production: false })],
      };
    },
    restore,
    provisionMissing,
    control(services, db, url) {
      return createControlEndpoint({
        telnyx,
        applicationFor: (to) => applicationFor(services, to, url()),
        async loggedOutcome(callSid) {
          await services.calls.log.flush();
          const row = await db.callLog.findFirst({ where: { callSid }, select: { outcome: true } });
          return (row?.outcome as CallOutcome | null | undefined) ?? null;
        },
        async agentNames() {
          // A scenario names agents as people do ("agent ana"); calls dial their credentials' SIP usernames.
          const agents = await db.agent.findMany({ select: { displayName: true, sipUsername: true, telnyxSipUsername: true } });
          const names: Record<string, string> = {};
          for (const a of agents) {
            const dialed = a.telnyxSipUsername ?? a.sipUsername;
            names[a.sipUsername.toLowerCase()] = dialed;
            names[a.displayName.toLowerCase()] = dialed;
            const first = a.displayName.split(/\s+/)[0]?.toLowerCase();
            if (first && !(first in names)) names[first] = dialed;
          }
          return names;
        },
      });
    },
    close: () => telnyx.close(),
  };
}

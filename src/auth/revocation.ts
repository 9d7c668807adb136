/**
 * Revocation that reaches every instance. Revoking an agent's tokens (or disabling it) or a
 * company's supervisor tokens bumps a version in the database (so no instance accepts those tokens
 * again once its directory is invalidated) and ends the connections they opened: here at once, and
 * on the other instances through a Redis channel (one PUBLISH; each instance closes its own sockets
 * and streams). Without Redis there is one instance and the local close is the whole story.
 *
 * Ordering: the directory invalidation is published before the revocation on the same connection,
 * so an instance that closes a socket already refuses the token it reconnects with. Like every
 * Redis pub/sub message it is at most once; a missed one is bounded by the token version check
 * (the directory drops its cache after an outage) and, for connections already open, by a re-check
 * of every open connection's credential when Redis comes back.
 */
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/redis.js';
import type { Sessions } from './sessions.js';

export type Revocation = { agent: string } | { supervisorsOf: string };

export interface RevocationBus {
  /** The agent's tokens no longer count: drop its presence and close its connections everywhere. */
  revokeAgent(agentId: string): void;
  /** The company's supervisor tokens no longer count: close their connections everywhere. */
  revokeSupervisors(companyId: string): void;
}

export function createRevocationBus(deps: {
  sessions: Sessions;
  /** Drops the agent's presence on this instance (its lease and its socket count). */
  forgetAgent: (agentId: string) => void;
  /** Whether a credential is still admitted (re-checked for open connections after a Redis outage). */
  admits: (credential: string) => Promise<boolean>;
  logger: Logger;
  redis?: SharedRedis | null;
}): RevocationBus {
  const { sessions, forgetAgent, logger, redis } = deps;
  const applyLocally = (r: Revocation) => {
    if ('agent' in r) {
      forgetAgent(r.agent); // before the close, so the socket's detach does not start a grace
      const closed = sessions.closeAgent(r.agent);
      if (closed > 0) logger.info({ agentId: r.agent, closed }, 'agent connections closed: tokens revoked');
    } else {
      const closed = sessions.closeSupervisors(r.supervisorsOf);
      if (closed > 0) logger.info({ companyId: r.supervisorsOf, closed }, 'supervisor connections closed: tokens revoked');
    }
  };

  if (!redis)
    return { revokeAgent: (agent) => applyLocally({ agent }), revokeSupervisors: (supervisorsOf) => applyLocally({ supervisorsOf }) };

  const channel = `${redis.prefix}revocations`;
  const origin = redis.instanceId;
  void redis.subscriber.subscribe(channel).catch(() => {});
  redis.subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    try {
      const message = JSON.parse(text) as Revocation & { origin: string };
      if (message.origin === origin) return;
      if ('agent' in message && typeof message.agent === 'string') applyLocally({ agent: message.agent });
      else if ('supervisorsOf' in message && typeof message.supervisorsOf === 'string')
        applyLocally({ supervisorsOf: message.supervisorsOf });
    } catch {
      logger.warn({ channel }, 'unreadable revocation dropped');
    }
  });
  // Revocations published while this instance was cut off are lost: re-check what is still open.
  redis.onRecovered(() => {
    void sessions
      .recheck(deps.admits)
      .then((ended) => ended > 0 && logger.warn({ ended }, 'connections closed after a redis outage: their tokens were revoked meanwhile'));
  });
  const announce = (r: Revocation) => {
    applyLocally(r);
    redis.command.publish(channel, JSON.stringify({ ...r, origin })).catch((err: Error) => {
      logger.warn(
        { err: err.message, ...r },
        'revocation not shared (redis unavailable): the other instances re-check their connections when it returns',
      );
    });
  };
  return { revokeAgent: (agent) => announce({ agent }), revokeSupervisors: (supervisorsOf) => announce({ supervisorsOf }) };
}

/**
 * The long-lived connections this instance holds for token viewers: graphql-ws sockets and SSE
 * subscription streams. Each is registered with the principal it acts for, so revoking an agent's
 * (or a company's supervisor) tokens ends them, and each ends by itself when its token expires.
 * Per instance by nature (a socket lives in one process); revocation reaches the other instances
 * through the RevocationBus.
 */
import { createHash } from 'node:crypto';
import type { Viewer } from './tokens.js';

/** graphql-ws close codes used when the server ends a connection. */
export const CLOSE_UNAUTHORIZED = 4401; // the token expired: sign in again
export const CLOSE_FORBIDDEN = 4403; // revoked or disabled
export const CLOSE_RATE_LIMITED = 4429; // over a per-principal or per-socket limit

export type SessionKind = 'socket' | 'stream';

export interface OpenSession {
  kind: SessionKind;
  /** Ends the connection: a socket closes with `code`, a stream completes with an error. */
  close(code: number, reason: string): void;
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); supervisor tokens live up to 90 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Entry = OpenSession & {
  agentId: string | null;
  companyId: string;
  tokenKey: string;
  credential: string | null;
  timer: NodeJS.Timeout | null;
};

export class Sessions {
  private readonly byAgent = new Map<string, Set<Entry>>();
  private readonly supervisorsOf = new Map<string, Set<Entry>>();
  private readonly socketsPerToken = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Registers a connection of a token viewer (admin connections are not tracked: the API key does
   * not expire and is not revocable here). Returns the function to call when it ends.
   */
  open(viewer: Viewer, credential: string | null, session: OpenSession): () => void {
    if (viewer.role === 'admin') return () => {};
    const entry: Entry = {
      ...session,
      agentId: viewer.role === 'agent' ? viewer.agentId : null,
      companyId: viewer.companyId,
      tokenKey: tokenKeyOf(viewer, credential),
      credential,
      timer: null,
    };
    const group = viewer.role === 'agent' ? this.byAgent : this.supervisorsOf;
    const groupKey = viewer.role === 'agent' ? viewer.agentId : viewer.companyId;
    let set = group.get(groupKey);
    if (!set) group.set(groupKey, (set = new Set()));
    set.add(entry);
    if (entry.kind === 'socket') this.socketsPerToken.set(entry.tokenKey, (this.socketsPerToken.get(entry.tokenKey) ?? 0) + 1);
    this.expireAt(entry, viewer.expiresAt);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (entry.timer) clearTimeout(entry.timer);
      set.delete(entry);
      if (set.size === 0 && group.get(groupKey) === set) group.delete(groupKey);
      if (entry.kind === 'socket') {
        const left = (this.socketsPerToken.get(entry.tokenKey) ?? 1) - 1;
        if (left > 0) this.socketsPerToken.set(entry.tokenKey, left);
        else this.socketsPerToken.delete(entry.tokenKey);
      }
    };
  }

  /**
   * Sockets this instance holds for the viewer's limit key: the agent (all its tokens), or the
   * supervisor token itself (a company's supervisors may share one board link or hold several).
   */
  socketCount(viewer: Viewer, credential: string | null): number {
    return viewer.role === 'admin' ? 0 : (this.socketsPerToken.get(tokenKeyOf(viewer, credential)) ?? 0);
  }

  /** Ends every connection of the agent (4403). Returns how many. */
  closeAgent(agentId: string, reason = 'tokens revoked'): number {
    return closeAll(this.byAgent.get(agentId), CLOSE_FORBIDDEN, reason);
  }

  /** Ends every supervisor connection of the company (4403). Returns how many. */
  closeSupervisors(companyId: string, reason = 'tokens revoked'): number {
    return closeAll(this.supervisorsOf.get(companyId), CLOSE_FORBIDDEN, reason);
  }

  /**
   * Re-checks every open connection's credential (after a Redis outage, when revocations may have
   * been missed) and ends the ones it no longer admits. Resolves with how many ended.
   */
  async recheck(admits: (credential: string) => Promise<boolean>): Promise<number> {
    const entries = [...this.byAgent.values(), ...this.supervisorsOf.values()].flatMap((set) => [...set]);
    let ended = 0;
    for (const e of entries) {
      if (e.credential === null || (await admits(e.credential).catch(() => true))) continue;
      e.close(CLOSE_FORBIDDEN, 'tokens revoked');
      ended++;
    }
    return ended;
  }

  count(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }

  private expireAt(entry: Entry, expiresAt: number): void {
    const left = expiresAt - this.now();
    if (left <= 0) return void queueMicrotask(() => entry.close(CLOSE_UNAUTHORIZED, 'token expired'));
    entry.timer = setTimeout(
      () => {
        entry.timer = null;
        if (left > MAX_TIMER_MS) this.expireAt(entry, expiresAt);
        else entry.close(CLOSE_UNAUTHORIZED, 'token expired');
      },
      Math.min(left, MAX_TIMER_MS),
    );
    entry.timer.unref();
  }
}

function closeAll(set: Set<Entry> | undefined, code: number, reason: string): number {
  if (!set) return 0;
  const entries = [...set];
  for (const e of entries) e.close(code, reason);
  return entries.length;
}

/** Agents are limited across all their tokens; supervisors per token (a digest, never the token). */
function tokenKeyOf(viewer: Exclude<Viewer, { role: 'admin' }>, credential: string | null): string {
  if (viewer.role === 'agent') return `agent:${viewer.agentId}`;
  const digest = createHash('sha256')
    .update(credential ?? '')
    .digest('base64url')
    .slice(0, 22);
  return `supervisor:${viewer.companyId}:${digest}`;
}

/**
 * This instance's copy of the shared presence leases, fed by the lease scripts' results and by the
 * other instances' sync messages. Routing reads it synchronously. A lease counts as live only until
 * its deadline even if the expiry message never arrives (Redis away), so a lost message can make an
 * agent look offline early, never online late.
 *
 * Plain renewals (a heartbeat that changes nothing but the lease end) arrive in batches (`renew`)
 * and are applied in place; a heartbeat this instance answered before its renewal reached Redis is
 * applied with `renewLocal` (no version: the batch's result or a newer shared state replaces it).
 */
import type { AgentLiveness, LiveState } from './tracker.js';

/** One agent's shared lease as the scripts publish it; `c` absent = no live lease. */
export interface LeaseState {
  /** agent id */
  a: string;
  /** version: Redis' global sequence at the write that produced this state */
  v: number;
  c?: string;
  on?: boolean;
  sip?: boolean;
  /** call state, '' = none */
  cs?: string;
  /** last heartbeat, epoch ms */
  seen?: number;
  /** effective deadline (lease or socket grace), epoch ms */
  dl?: number;
  /** sockets attached on live instances */
  n?: number;
  /** a socket grace is pending (no socket attached): the deadline is min(lease end, grace end) */
  g?: boolean;
}

/** A batch of plain renewals at one version: flat [agent, last seen, deadline, ...] triples. */
export interface LeaseRenewals {
  v: number;
  r: (string | number)[];
}

interface Entry {
  v: number;
  state: LeaseState | null;
  /** when a tombstone was written (local clock), for pruning */
  at: number;
}

export class LeaseMirror {
  private readonly entries = new Map<string, Entry>();
  private readonly byCompany = new Map<string, Set<string>>();
  /**
   * The tombstones' ids and times, oldest first (a tombstone written again moves to the end), so a
   * prune reads only the tombstones it drops, not every live agent (100k entries twice a second).
   */
  private readonly tombstones = new Map<string, number>();

  /** Applies a state unless a newer one is already known (messages and local results interleave). */
  apply(state: LeaseState, now: number): void {
    const known = this.entries.get(state.a);
    if (known && known.v > state.v) return;
    this.set(state.a, { v: state.v, state: state.c === undefined ? null : state, at: now });
  }

  /** A state computed here while Redis is away; replaced by the next shared one. */
  applyLocal(state: Omit<LeaseState, 'v'>, now: number): void {
    const known = this.entries.get(state.a);
    this.set(state.a, { v: known?.v ?? 0, state: { ...state, v: known?.v ?? 0 }, at: now });
  }

  /**
   * Plain renewals: new last-seen and deadline for leases whose other fields did not change. A state
   * newer than the batch already includes them (Redis ran the batch before it); an agent not live
   * here is left alone (its live state, older than the batch, is still on its way).
   */
  renew(batch: LeaseRenewals, now: number): void {
    const r = batch.r;
    for (let i = 0; i + 2 < r.length; i += 3) {
      const entry = this.entries.get(r[i] as string);
      if (!entry?.state || entry.v > batch.v) continue;
      entry.v = batch.v;
      entry.at = now;
      entry.state.seen = r[i + 1] as number;
      entry.state.dl = r[i + 2] as number;
    }
  }

  /** A renewal answered here before Redis has it; later shared states (and the batch) overwrite it. */
  renewLocal(agentId: string, seen: number, dl: number): void {
    const s = this.entries.get(agentId)?.state;
    if (!s) return;
    s.seen = seen;
    s.dl = dl;
  }

  /** The live shared state as last known (even past its deadline), for deciding whether a heartbeat changes it. */
  state(agentId: string): Readonly<LeaseState> | null {
    return this.entries.get(agentId)?.state ?? null;
  }

  /** Replaces everything older than `v` with a full snapshot taken at version `v`. */
  resync(v: number, states: LeaseState[], now: number): void {
    const seen = new Set<string>();
    for (const s of states) {
      seen.add(s.a);
      this.apply({ ...s, v }, now);
    }
    for (const [agentId, entry] of this.entries) {
      if (!seen.has(agentId) && entry.v <= v) this.set(agentId, { v, state: null, at: now });
    }
  }

  get(agentId: string, now: number): AgentLiveness | undefined {
    const s = this.entries.get(agentId)?.state;
    return s && s.dl! > now ? view(s) : undefined;
  }

  /** Registration and call state while the lease is alive at `now` (PresenceLeases.liveState). */
  liveState(agentId: string, now: number): LiveState | undefined {
    const s = this.entries.get(agentId)?.state;
    return s && s.dl! > now ? { sipRegistered: s.sip ?? false, callState: s.cs ? s.cs : null } : undefined;
  }

  snapshot(companyId: string, now: number): AgentLiveness[] {
    const out: AgentLiveness[] = [];
    for (const id of this.byCompany.get(companyId) ?? []) {
      const l = this.get(id, now);
      if (l) out.push(l);
    }
    return out;
  }

  live(now: number): AgentLiveness[] {
    const out: AgentLiveness[] = [];
    for (const [id] of this.entries) {
      const l = this.get(id, now);
      if (l) out.push(l);
    }
    return out;
  }

  /** Drops tombstones older than `before`: by then no older message for them can still be in flight. */
  prune(before: number): void {
    for (const [agentId, at] of this.tombstones) {
      if (at >= before) break; // the rest are younger
      this.set(agentId, null);
    }
  }

  private set(agentId: string, entry: Entry | null): void {
    const old = this.entries.get(agentId)?.state?.c;
    const next = entry?.state?.c;
    if (old !== undefined && old !== next) {
      const set = this.byCompany.get(old);
      set?.delete(agentId);
      if (set?.size === 0) this.byCompany.delete(old);
    }
    if (next !== undefined && old !== next) {
      let set = this.byCompany.get(next);
      if (!set) this.byCompany.set(next, (set = new Set()));
      set.add(agentId);
    }
    if (entry) this.entries.set(agentId, entry);
    else this.entries.delete(agentId);
    this.tombstones.delete(agentId);
    if (entry?.state === null) this.tombstones.set(agentId, entry.at);
  }
}

function view(s: LeaseState): AgentLiveness {
  return {
    agentId: s.a,
    companyId: s.c!,
    online: s.on ?? false,
    live: true,
    sipRegistered: s.sip ?? false,
    callState: s.cs ? s.cs : null,
    lastSeenAt: s.seen ?? 0,
    leaseExpiresAt: s.dl ?? 0,
    sockets: s.n ?? 0,
  };
}

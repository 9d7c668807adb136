/**
 * The open graphql-ws connections of each agent, so revoking an agent's tokens (or disabling it)
 * also ends the connections those tokens opened.
 */
export class AgentSessions {
  private readonly byAgent = new Map<string, Set<(code: number, reason: string) => void>>();

  add(agentId: string, close: (code: number, reason: string) => void): () => void {
    let set = this.byAgent.get(agentId);
    if (!set) this.byAgent.set(agentId, (set = new Set()));
    set.add(close);
    return () => {
      set.delete(close);
      if (set.size === 0) this.byAgent.delete(agentId);
    };
  }

  /** Closes every connection of the agent with 4403 (graphql-ws: Forbidden). Returns how many. */
  closeAgent(agentId: string, reason = 'Forbidden'): number {
    const set = this.byAgent.get(agentId);
    if (!set) return 0;
    const closers = [...set];
    for (const close of closers) close(4403, reason);
    return closers.length;
  }

  count(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }
}

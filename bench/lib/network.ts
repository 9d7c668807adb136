/**
 * The loopback's own losses. Generator and server talk over 127.0.0.1, where every packet sent waits
 * in the sending core's input queue (net.core.netdev_max_backlog, 1,000 by default) until that core's
 * softirq delivers it. A burst of a few thousand small writes (10,000 sockets heartbeating, a generator
 * catching up after a pause) overflows it: the packet is dropped and TCP resends it after a loss probe
 * or a retransmission timeout, 200 ms or more later. A latency tail with drops here is the kernel's, not
 * the server's; on a real deployment the clients' packets arrive through a network card's own queues.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Counters since boot, read before and after a window. */
export interface NetworkCounters {
  /** Packets dropped because a core's input queue was full (/proc/net/softnet_stat, 2nd column, all cores). */
  backlogDrops: number;
  /** TCP segments sent again (/proc/net/snmp, Tcp RetransSegs). */
  retransmits: number;
}

/** Each line of /proc/net/softnet_stat is a core; its second hex column counts the packets dropped. */
export function parseSoftnetDrops(text: string): number {
  let drops = 0;
  for (const line of text.split('\n')) {
    const column = line.trim().split(/\s+/)[1];
    if (column) drops += Number.parseInt(column, 16);
  }
  return drops;
}

/** /proc/net/snmp holds a header line and a value line per protocol; RetransSegs is in Tcp's. */
export function parseTcpRetransmits(text: string): number | null {
  const lines = text.split('\n').filter((l) => l.startsWith('Tcp:'));
  if (lines.length < 2) return null;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const at = names.indexOf('RetransSegs');
  return at === -1 ? null : Number(values[at]);
}

/** Null where /proc is not Linux's (the report then shows no column). */
export function readNetworkCounters(): NetworkCounters | null {
  try {
    const retransmits = parseTcpRetransmits(readFileSync('/proc/net/snmp', 'utf8'));
    if (retransmits === null) return null;
    return { backlogDrops: parseSoftnetDrops(readFileSync('/proc/net/softnet_stat', 'utf8')), retransmits };
  } catch {
    return null;
  }
}

export function networkDelta(before: NetworkCounters | null, after: NetworkCounters | null): NetworkCounters | null {
  if (!before || !after) return null;
  return { backlogDrops: after.backlogDrops - before.backlogDrops, retransmits: after.retransmits - before.retransmits };
}

const BACKLOG = '/proc/sys/net/core/netdev_max_backlog';

/** The input queue's length while the bench runs: raised to `atLeast` where allowed (root), put back by `restore`. */
export interface BacklogSetting {
  /** What the machine had (null: not Linux). */
  was: number | null;
  /** What the bench ran with. */
  during: number | null;
  restore: () => void;
}

export function raiseLoopbackBacklog(atLeast: number): BacklogSetting {
  let was: number | null = null;
  try {
    was = Number(readFileSync(BACKLOG, 'utf8').trim());
  } catch {
    return { was: null, during: null, restore: () => {} };
  }
  if (was >= atLeast) return { was, during: was, restore: () => {} };
  try {
    writeFileSync(BACKLOG, String(atLeast));
  } catch {
    return { was, during: was, restore: () => {} }; // not root: the drops column shows what that costs
  }
  const original = was;
  return {
    was,
    during: atLeast,
    restore: () => {
      try {
        writeFileSync(BACKLOG, String(original));
      } catch {}
    },
  };
}

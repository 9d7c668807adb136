/** What the figures were measured on: they only mean something next to this. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverage: { atStart: number[]; atEnd: number[] | null };
  /** Server and load generator pinned to separate cores with taskset. */
  pinned: boolean;
  database: string;
  /**
   * The load generator's scheduling priority (nice), when the bench could raise it: where servers and
   * generator share cores (two instances), the generator stands in for clients on other machines, and
   * its own lateness must not be counted as the servers'. Absent in results saved before.
   */
  generatorNice?: number | null;
  /**
   * The loopback's input queue per core (net.core.netdev_max_backlog): what the machine had and what
   * the bench ran with (bench/lib/network.ts). Absent in results saved before it was read.
   */
  netdevMaxBacklog?: { was: number; during: number } | null;
}

export function describeMachine(database: string, pinned: boolean): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: { atStart: loadAverage(), atEnd: null },
    pinned,
    database,
    generatorNice: null,
    netdevMaxBacklog: null,
  };
}

export const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** taskset (util-linux) is there and there are at least two cores to split. */
export function canPin(): boolean {
  if (os.platform() !== 'linux' || os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A process's priority raised (nice `value`, root only), every thread of it (on Linux nice is per
 * thread: the GC's and libuv's threads too): true when the kernel took it.
 */
export function raisePriority(pid: number | undefined, value: number): boolean {
  if (pid === undefined) return false;
  try {
    for (const tid of threadsOf(pid)) os.setPriority(tid, value);
    return os.getPriority(pid) === value;
  } catch {
    return false; // not root: the generator keeps the default priority, and the report says so
  }
}

/**
 * A server's threads but its main one (V8's garbage-collection helpers, node's own) moved to `core`
 * at `nice` where allowed (below 0: root only): true when every one of them was moved. Pinned with its
 * main thread, a server's concurrent marking takes that one core from the event loop for a third of
 * a second (the loop stalled 310–390 ms in each major GC), which a server alone on a 2-core box
 * never sees: there its helpers have the other core.
 */
export function moveHelperThreads(pid: number | undefined, core: number, nice: number): boolean {
  if (pid === undefined || os.platform() !== 'linux') return false;
  try {
    const helpers = threadsOf(pid).filter((tid) => tid !== pid);
    for (const tid of helpers) {
      if (spawnSync('taskset', ['-p', '-c', String(core), String(tid)], { stdio: 'ignore' }).status !== 0) return false;
      try {
        os.setPriority(tid, nice);
      } catch {} // not root: moved, at the default priority
    }
    return helpers.length > 0;
  } catch {
    return false;
  }
}

/**
 * CPU time (ms) the PostgreSQL server on this machine has used so far: each of its processes' own
 * (user and system), plus what each has collected of its children that exited (backends that closed),
 * so the difference between two readings counts every process that ran in between. Null where it
 * cannot be read (not Linux, no such process). The bench reads it around each window: the service's
 * call log (a row per call, written behind in batches) costs the database CPU that the server's own
 * figure does not show, on cores the server and the generator share with it.
 */
export function databaseCpuMs(): number | null {
  if (os.platform() !== 'linux') return null;
  let ticks = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      // The fields after the command's closing parenthesis: utime, stime, cutime, cstime are the 12th–15th.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      found = true;
    } catch {} // gone meanwhile
  }
  return found ? (ticks * 1000) / clockTicksPerSecond() : null;
}

let ticksPerSecond: number | undefined;
/** USER_HZ, the unit of /proc's CPU times (100 on every Linux the bench has met). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** A process's threads (Linux: /proc/<pid>/task; elsewhere the process alone). */
function threadsOf(pid: number): number[] {
  return os.platform() === 'linux' ? readdirSync(`/proc/${pid}/task`).map(Number) : [pid];
}

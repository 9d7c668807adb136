/** What the figures were measured on: they only mean something next to this. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
    const threads = os.platform() === 'linux' ? readdirSync(`/proc/${pid}/task`).map(Number) : [pid];
    for (const tid of threads) os.setPriority(tid, value);
    return os.getPriority(pid) === value;
  } catch {
    return false; // not root: the generator keeps the default priority, and the report says so
  }
}

/** What the figures were measured on: they only mean something next to this. */
import { execFileSync } from 'node:child_process';
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

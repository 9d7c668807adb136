/**
 * Starts test/support/instance-process.ts in a process of its own: for tests that kill an instance
 * outright, or that load a server without sharing its event loop with the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ADMIN_KEY } from './harness.js';

export interface SpawnedInstance {
  url: string;
  process: ChildProcess;
}

export async function spawnInstance(env: Record<string, string>): Promise<SpawnedInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/instance-process.ts'], {
    env: { ...process.env, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('instance process did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`instance process exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line);
        if (typeof message.url === 'string' && message.level === undefined) {
          clearTimeout(timer);
          resolve(message.url);
        }
      } catch {
        // a log line that is not JSON
      }
    });
  });
  return { url, process: child };
}

/**
 * `npm run simulate` as a user runs it (a child process): its printed lines, its exit code, and the
 * last line's JSON (the call).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/simulator/cli.ts', import.meta.url));

export function simulate(args: string[]): Promise<{ code: number | null; lines: string[]; last: any }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.trim().split('\n');
      let last: any = null;
      try {
        last = JSON.parse(lines.at(-1) ?? '');
      } catch {
        last = { unparsable: lines.at(-1), stderr: err };
      }
      resolve({ code, lines, last });
    });
  });
}

/**
 * The bench measures the service as it ships: `npm run start:prod` runs what tsc compiled, so the
 * server and the generator processes run tsc's output too, not tsx's. (tsx compiles with esbuild's
 * keepNames, which names every closure the code creates with an Object.defineProperty call: a few
 * percent of a TeXML decision, paid only under tsx.) Compiled into .bench-build/ (mirroring the
 * repository, so the paths src/ resolves from its own location, ../../prisma/migrations and
 * ../web/dist, are links back to the real ones) once per run, in ~20 s.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const BENCH_BUILD = fileURLToPath(new URL('../.bench-build/', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Compiles the bench and the service into BENCH_BUILD; throws with tsc's output if it fails. */
export async function buildBench(log: (line: string) => void): Promise<void> {
  const started = performance.now();
  await rm(BENCH_BUILD, { recursive: true, force: true });
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const built = spawnSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('./tsconfig.build.json', import.meta.url))], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`compiling the bench (tsc -p bench/tsconfig.build.json) failed:\n${built.stdout}${built.stderr}`);
  await mkdir(BENCH_BUILD, { recursive: true });
  for (const dir of ['prisma', 'web']) await symlink(`${ROOT}${dir}`, `${BENCH_BUILD}${dir}`, 'dir');
  log(`· compiled the service and the bench's processes with tsc in ${Math.round((performance.now() - started) / 1000)} s`);
}

/** The compiled file of a bench script (`./server-process.ts`). */
export function compiledScript(script: string): string {
  return `${BENCH_BUILD}bench/${script.replace(/^\.\//, '').replace(/\.ts$/, '.js')}`;
}

/**
 * The node flags `npm run start:prod` starts the service with (package.json), those before the
 * script: the bench's servers run with them too.
 */
export function productionNodeFlags(startProd = startProdScript()): string[] {
  const words = startProd.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`start:prod does not start with node: ${startProd}`);
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return flags;
}

function startProdScript(): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['start:prod'];
  if (!script) throw new Error('package.json has no start:prod script');
  return script;
}

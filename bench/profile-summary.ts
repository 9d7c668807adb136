/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile`: where a server's CPU went, by self time per
 * function and per package, for the "where the time goes" notes in docs/BENCHMARKS.md.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), our src/ files, or node's own internals. */
export function packageOf(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.includes('/src/')) return 'curbe (src/)';
  if (url.startsWith('node:') || url === '') return 'node internals / native';
  return url.split('/').slice(-2).join('/');
}

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bench/profile-summary.ts FILE.cpuprofile [top]');
  const top = Number(process.argv[3] ?? 25);
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** Native and node-internal frames are charged to the nearest caller in a package or our src/. */
  const owner = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const pkg = packageOf(byId.get(at)!.callFrame.url);
      if (pkg !== 'node internals / native') return pkg;
    }
    return 'node internals / native';
  };
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const where = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + us);
    const pkg = packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const charged = ['(garbage collector)', '(program)'].includes(frame.functionName) ? frame.functionName : owner(id);
    byOwner.set(charged, (byOwner.get(charged) ?? 0) + us);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title} (busy ${Math.round(total / 1000)} ms)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  };
  show('self time by package', byPackage);
  show('self time by package, node internals charged to their caller', byOwner);
  show('self time by function', byFunction);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

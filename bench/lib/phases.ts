/**
 * The bench's phases (`--phases a,b`), and how a run of some of them joins the saved results: a phase
 * that measures on its own (a server of its own, no figure read from another phase) replaces its own
 * fields of the results, and every other phase's figures stay as they were measured. Pure.
 */
import type { BenchResults } from './report.js';
import type { BenchSettings } from './settings.js';

export const BENCH_PHASES = [
  'ceilings',
  'heartbeats',
  'texml',
  'mixed',
  'baseline',
  'instances',
  'presence',
  'calls',
  'queue',
  'history',
] as const;

export type BenchPhase = (typeof BENCH_PHASES)[number];

/**
 * The phases a run may measure alone and merge: the results fields each writes, and the settings its
 * figures were measured with. The others are nested in or read from the heartbeat phase (the ceilings
 * answer the service's own TeXML, the calls' heartbeat pace is a share of the measured rate).
 */
const STANDALONE: Partial<Record<BenchPhase, { results: (keyof BenchResults)[]; settings: (keyof BenchSettings)[] }>> = {
  presence: {
    results: ['offline', 'fanout', 'fanouts'],
    settings: ['fanoutSubscribers', 'fanoutTriggers', 'offlineAgents', 'offlineTtlMs'],
  },
  // TeXML decisions closed loop, their ceiling and the open loop, on a server of their own.
  texml: { results: ['texml', 'texmlOpen'], settings: ['texmlOpenShare', 'texmlConcurrency', 'texmlInProcess'] },
  // The real day and its floor, each on a server of its own (two instances' day is the instances phase's).
  mixed: { results: ['mixed'], settings: ['mixed'] },
  // Its heartbeat pace is a share of the graphql-ws rate: measured alone, the saved run's rate (main passes it).
  calls: { results: ['calls'], settings: ['calls'] },
  queue: { results: ['queue'], settings: ['queue'] },
  history: { results: ['history'], settings: ['history'] },
};

/** `--phases queue,presence` → the phases; an unknown name throws with the known ones. */
export function parsePhases(value: string): BenchPhase[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`--phases needs a list, e.g. --phases queue (known: ${BENCH_PHASES.join(', ')})`);
  for (const name of names)
    if (!(BENCH_PHASES as readonly string[]).includes(name)) throw new Error(`unknown phase "${name}" (known: ${BENCH_PHASES.join(', ')})`);
  return [...new Set(names)] as BenchPhase[];
}

/**
 * The phases nested in or reading the heartbeat phase merge only all together, as one group (e.g.
 * `--phases ceilings,heartbeats,mixed,baseline,instances,calls,presence,queue`: everything but the
 * history's ten million calls): they own every field the standalone phases do not.
 */
const NESTED = BENCH_PHASES.filter((p) => !STANDALONE[p]);

function nestedGroup(phases: readonly BenchPhase[]): 'none' | 'all' | 'some' {
  const nested = phases.filter((p) => !STANDALONE[p]);
  return nested.length === 0 ? 'none' : nested.length === NESTED.length ? 'all' : 'some';
}

/** Throws unless every phase can be measured alone (or, the nested ones, as their whole group) and merged into saved results. */
export function assertMergeable(phases: readonly BenchPhase[]): void {
  const nested = phases.filter((p) => !STANDALONE[p]);
  if (nestedGroup(phases) === 'some')
    throw new Error(
      `phase${nested.length > 1 ? 's' : ''} ${nested.join(', ')} cannot be merged into saved results (nested in or reading the heartbeat phase): ` +
        `run the whole bench, only ${Object.keys(STANDALONE).join(', ')}, or all of ${NESTED.join(', ')} together`,
    );
}

/** `saved` with the fields (and settings) of `phases` taken from `fresh`; everything else as saved. */
export function mergePhaseResults(saved: BenchResults, fresh: BenchResults, phases: readonly BenchPhase[]): BenchResults {
  assertMergeable(phases);
  if (nestedGroup(phases) === 'all') {
    // The nested group measured: everything fresh but the standalone phases that did not run.
    const kept = Object.entries(STANDALONE).filter(([phase]) => !phases.includes(phase as BenchPhase));
    const merged: Record<string, unknown> = { ...fresh };
    const settings: Record<string, unknown> = { ...fresh.settings };
    for (const [, owned] of kept) {
      for (const key of owned!.results) merged[key] = saved[key];
      for (const key of owned!.settings) settings[key] = saved.settings[key];
    }
    merged.settings = settings;
    return merged as unknown as BenchResults;
  }
  const merged: Record<string, unknown> = { ...saved };
  const settings: Record<string, unknown> = { ...saved.settings };
  for (const phase of phases) {
    const owned = STANDALONE[phase]!;
    for (const key of owned.results) merged[key] = fresh[key];
    for (const key of owned.settings) settings[key] = fresh.settings[key];
  }
  merged.settings = settings;
  return merged as unknown as BenchResults;
}

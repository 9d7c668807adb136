/**
 * The scenario language: one call, said the way a person would say it.
 *
 *   call from +15551230000 to +13055550100; press 2; agent ana answers after 3 s; caller hangs up at 40 s
 *
 * Statements are separated by `;` or new lines (case does not matter):
 *   call from <number> to <number>                      (required)
 *   press <keys> [after <n> s]                         keys for the next <Gather>, n s into it
 *   agent <name> answers [after <n> s] [and hangs up after <n> s]
 *   agent <name> declines [after <n> s]
 *   agent <name> does not answer
 *   number <e164> answers|declines|does not answer …   (a forward's far end, same forms)
 *   caller hangs up at <n> s                           n s after the call started, whatever happens
 *   caller talks for <n> s                             once bridged (default 10 s)
 *   caller leaves a <n> s message [and presses <key>]  at a <Record> (default 5 s, then hangs up)
 * Agents are named by SIP username, or by a name the runner maps to one.
 */
import { DEFAULT_CALLER, type CallerScript } from './call-engine.js';
import type { PhoneScript } from './scripted-phones.js';

export interface Scenario {
  from: string;
  to: string;
  caller: CallerScript;
  /** By SIP username (or number for `number …`), before names are resolved. */
  phones: Map<string, PhoneScript>;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const SECONDS = String.raw`(\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?`;
const NUMBER = String.raw`(\+?[\w.@:-]+)`;
const PHONE_ACTION = String.raw`(answers|declines|does not answer|ignores)(?:\s+after\s+${SECONDS})?(?:\s+and\s+hangs up after\s+${SECONDS})?`;

const FORMS: { pattern: RegExp; apply: (m: RegExpExecArray, s: Scenario) => void }[] = [
  {
    pattern: new RegExp(`^call from ${NUMBER} to ${NUMBER}$`, 'i'),
    apply: (m, s) => {
      s.from = m[1]!;
      s.to = m[2]!;
    },
  },
  {
    pattern: new RegExp(`^press ([0-9*#w]+)(?:\\s+after\\s+${SECONDS})?$`, 'i'),
    apply: (m, s) => s.caller.digits.push({ keys: m[1]!, afterSeconds: m[2] ? Number(m[2]) : 1 }),
  },
  {
    pattern: new RegExp(`^(?:agent|number) ${NUMBER} ${PHONE_ACTION}$`, 'i'),
    apply: (m, s) => {
      const verb = m[2]!.toLowerCase();
      s.phones.set(m[1]!, {
        does: verb === 'answers' ? 'answer' : verb === 'declines' ? 'decline' : 'ignore',
        afterSeconds: m[3] ? Number(m[3]) : 2,
        hangsUpAfterSeconds: m[4] ? Number(m[4]) : null,
      });
    },
  },
  {
    pattern: new RegExp(`^caller hangs up (?:at|after) ${SECONDS}$`, 'i'),
    apply: (m, s) => {
      s.caller.hangUpAt = Number(m[1]);
    },
  },
  {
    pattern: new RegExp(`^caller talks for ${SECONDS}$`, 'i'),
    apply: (m, s) => {
      s.caller.talkSeconds = Number(m[1]);
    },
  },
  {
    pattern: new RegExp(`^caller leaves an? ${SECONDS} message(?:\\s+and presses ([0-9*#]))?$`, 'i'),
    apply: (m, s) => {
      s.caller.message = { seconds: Number(m[1]), ending: m[2] ? 'finish-key' : 'hang-up' };
    },
  },
  {
    pattern: /^caller leaves no message$/i,
    apply: (_m, s) => {
      s.caller.message = { seconds: 0, ending: 'hang-up' };
    },
  },
];

/** Parses a scenario; a statement it does not understand is an error naming it and the forms it knows. */
export function parseScenario(text: string): Scenario {
  const scenario: Scenario = { from: '', to: '', caller: structuredClone(DEFAULT_CALLER), phones: new Map() };
  let talkSet = false;
  for (const raw of text.split(/[;\n]/)) {
    const statement = raw.trim().replace(/\s+/g, ' ');
    if (statement === '') continue;
    const form = FORMS.find((f) => f.pattern.test(statement));
    if (!form) {
      throw new ScenarioError(`scenario: cannot read "${statement}"; see src/simulator/scenario.ts for the statements it knows`);
    }
    form.apply(form.pattern.exec(statement)!, scenario);
    if (/^caller talks/i.test(statement)) talkSet = true;
  }
  if (!scenario.from || !scenario.to) throw new ScenarioError('scenario: it must say "call from <number> to <number>"');
  // A caller who hangs up at a given moment talks until then.
  if (scenario.caller.hangUpAt !== null && !talkSet) scenario.caller.talkSeconds = Infinity;
  return scenario;
}

/** Renames agents: a scenario says `agent ana`, the service dials `sip:demo.ana@…`. */
export function resolvePhones(phones: ReadonlyMap<string, PhoneScript>, names: Readonly<Record<string, string>>): Map<string, PhoneScript> {
  return new Map([...phones].map(([name, script]) => [names[name] ?? names[name.toLowerCase()] ?? name, script]));
}

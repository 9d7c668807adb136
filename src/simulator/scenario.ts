/**
 * The scenario language: one call, said the way a person would say it.
 *
 *   call from +15551230000 to +13055550100; press 2; agent ana answers after 3 s; caller hangs up at 40 s
 *
 * Statements are separated by `;` or new lines (case does not matter):
 *   call from <number> to <number>                      (required)
 *   press <keys> [after <n> s]                         keys for the next <Gather>, n s into it
 *   press <keys> at <n> s                              keys n s after the call started, heard by the
 *                                                      <Gather> listening then (a queue's wait music)
 *   agent <name> answers [after <n> s] [and hangs up after <n> s]
 *   agent <name> declines [after <n> s]
 *   agent <name> does not answer
 *   number <e164> answers|declines|does not answer …   (a forward's far end, same forms)
 *   caller hangs up at <n> s                           n s after the call started, whatever happens
 *   caller talks for <n> s                             once bridged (default 10 s)
 *   caller leaves a <n> s message [and presses <key>]  at a <Record> (default 5 s, then hangs up)
 * Agents are named by SIP username, or by a name the runner maps to one.
 *
 * The agent and number statements also make a phone book (`parsePhoneBook`): standing behaviours for
 * every call that rings those phones (`LocalTelnyx.script`), where `agent <name> is not scripted`
 * takes one out again.
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

/** `agent|number <name> answers|declines|does not answer … `: the phone's name and its script. */
const PHONE_STATEMENT = new RegExp(`^(?:agent|number) ${NUMBER} ${PHONE_ACTION}$`, 'i');

function phoneScriptOf(m: RegExpExecArray): [string, PhoneScript] {
  const verb = m[2]!.toLowerCase();
  return [
    m[1]!,
    {
      does: verb === 'answers' ? 'answer' : verb === 'declines' ? 'decline' : 'ignore',
      afterSeconds: m[3] ? Number(m[3]) : 2,
      hangsUpAfterSeconds: m[4] ? Number(m[4]) : null,
    },
  ];
}

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
    pattern: new RegExp(`^press ([0-9*#w]+) at ${SECONDS}$`, 'i'),
    apply: (m, s) => {
      s.caller.keysAt.push({ keys: m[1]!, atSeconds: Number(m[2]) });
      s.caller.keysAt.sort((a, b) => a.atSeconds - b.atSeconds);
    },
  },
  {
    pattern: PHONE_STATEMENT,
    apply: (m, s) => {
      const [name, script] = phoneScriptOf(m);
      s.phones.set(name, script);
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

/**
 * A phone book: agent and number statements only (`agent ana answers after 1 s and hangs up after 20 s`),
 * by name; `agent <name> is not scripted` maps the name to null (take it out of the book).
 */
export function parsePhoneBook(text: string): Map<string, PhoneScript | null> {
  const book = new Map<string, PhoneScript | null>();
  for (const raw of text.split(/[;\n]/)) {
    const statement = raw.trim().replace(/\s+/g, ' ');
    if (statement === '') continue;
    const phone = PHONE_STATEMENT.exec(statement);
    const unscripted = new RegExp(`^(?:agent|number) ${NUMBER} is not scripted$`, 'i').exec(statement);
    if (phone) book.set(...phoneScriptOf(phone));
    else if (unscripted) book.set(unscripted[1]!, null);
    else
      throw new ScenarioError(`phone book: cannot read "${statement}"; it takes agent and number statements (src/simulator/scenario.ts)`);
  }
  return book;
}

/** Renames agents: a scenario says `agent ana`, the service dials `sip:demo.ana@…`. */
export function resolvePhones<T>(phones: ReadonlyMap<string, T>, names: Readonly<Record<string, string>>): Map<string, T> {
  return new Map([...phones].map(([name, script]) => [names[name] ?? names[name.toLowerCase()] ?? name, script]));
}

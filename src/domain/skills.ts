/**
 * Skills-based routing, pure. Agents carry skills with levels 1-10 ({"es": 8, "billing": 3}); a call
 * may require a skill expression (from the number called and/or the caller's choice in the language
 * menu). The grammar is TaskRouter's idea made small (docs/ROUTING.md §Skills):
 *
 *   expr   := and ( '|' and )*
 *   and    := atom ( '&' atom )*
 *   atom   := '(' expr ')' | skill [ ('>=' | '>' | '=') level ]
 *
 * A bare skill means "has it at any level"; `es>=5` needs level 5 or more.
 */

export type Skills = Readonly<Record<string, number>>;

export type SkillExpression =
  | { op: 'has'; skill: string; cmp: '>=' | '>' | '='; level: number }
  | { op: 'and' | 'or'; terms: SkillExpression[] };

export const SKILL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
export const MIN_SKILL_LEVEL = 1;
export const MAX_SKILL_LEVEL = 10;
/** Skills one agent may have (also the bound the API's cost estimate uses for an agent's skill list). */
export const MAX_SKILLS_PER_AGENT = 50;
/** Options of a language menu (also its bound in the API's cost estimate). */
export const MAX_LANGUAGE_MENU_OPTIONS = 9;
const MAX_EXPRESSION_LENGTH = 200;

/** "Has `skill` at any level" (a bare name in an expression; the caller's menu choice). */
export function hasSkill(skill: string): SkillExpression {
  return { op: 'has', skill, cmp: '>=', level: MIN_SKILL_LEVEL };
}

export type ParseResult = { ok: true; expression: SkillExpression } | { ok: false; error: string };

export function parseSkillExpression(text: string): ParseResult {
  if (text.length > MAX_EXPRESSION_LENGTH) return { ok: false, error: `a skill expression is at most ${MAX_EXPRESSION_LENGTH} characters` };
  const tokens =
    text
      .toLowerCase()
      .match(/\s*(>=|[()&|>=]|[a-z0-9_-]+|\S)/g)
      ?.map((t) => t.trim()) ?? [];
  if (tokens.length === 0) return { ok: false, error: 'the skill expression is empty' };
  let i = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(why);
  };
  const parseOr = (): SkillExpression => {
    const terms = [parseAnd()];
    while (tokens[i] === '|') {
      i++;
      terms.push(parseAnd());
    }
    return terms.length === 1 ? terms[0]! : { op: 'or', terms };
  };
  const parseAnd = (): SkillExpression => {
    const terms = [parseAtom()];
    while (tokens[i] === '&') {
      i++;
      terms.push(parseAtom());
    }
    return terms.length === 1 ? terms[0]! : { op: 'and', terms };
  };
  const parseAtom = (): SkillExpression => {
    const token = tokens[i++];
    if (token === undefined) return fail('the expression ends too early');
    if (token === '(') {
      const inner = parseOr();
      if (tokens[i++] !== ')') fail('a "(" is not closed');
      return inner;
    }
    if (!SKILL_NAME.test(token)) return fail(`"${token}" is not a skill name (a-z, 0-9, _ or -, starting with a letter)`);
    const cmp = tokens[i];
    if (cmp === '>=' || cmp === '>' || cmp === '=') {
      i++;
      const level = Number(tokens[i++]);
      if (!Number.isInteger(level) || level < 0 || level > MAX_SKILL_LEVEL)
        fail(`the level after "${token}${cmp}" must be a whole number 0-${MAX_SKILL_LEVEL}`);
      return { op: 'has', skill: token, cmp, level };
    }
    return hasSkill(token);
  };
  try {
    const expression = parseOr();
    if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
    return { ok: true, expression };
  } catch (err) {
    return { ok: false, error: `invalid skill expression "${text}": ${(err as Error).message}` };
  }
}

export function matchesSkills(expression: SkillExpression, skills: Skills): boolean {
  switch (expression.op) {
    case 'has': {
      const level = skills[expression.skill] ?? 0;
      if (level === 0) return false;
      return expression.cmp === '>='
        ? level >= expression.level
        : expression.cmp === '>'
          ? level > expression.level
          : level === expression.level;
    }
    case 'and':
      return expression.terms.every((t) => matchesSkills(t, skills));
    case 'or':
      return expression.terms.some((t) => matchesSkills(t, skills));
  }
}

/** Both requirements must hold (the number's and the caller's choice); null means none. */
export function allOf(...expressions: (SkillExpression | null)[]): SkillExpression | null {
  const terms = expressions.filter((e): e is SkillExpression => e !== null);
  return terms.length === 0 ? null : terms.length === 1 ? terms[0]! : { op: 'and', terms };
}

/** The expression written back, for reasons shown to supervisors ("lacks skill es>=5"). */
export function describeSkills(expression: SkillExpression): string {
  switch (expression.op) {
    case 'has':
      return expression.cmp === '>=' && expression.level === MIN_SKILL_LEVEL
        ? expression.skill
        : `${expression.skill}${expression.cmp}${expression.level}`;
    case 'and':
      return expression.terms.map((t) => (t.op === 'or' ? `(${describeSkills(t)})` : describeSkills(t))).join(' & ');
    case 'or':
      return expression.terms.map(describeSkills).join(' | ');
  }
}

/** Every skill name the expression mentions. */
export function skillsNamed(expression: SkillExpression): Set<string> {
  return expression.op === 'has' ? new Set([expression.skill]) : new Set(expression.terms.flatMap((t) => [...skillsNamed(t)]));
}

/** Why an agent's skills object is not valid, or null. */
export function validateSkills(skills: Record<string, unknown>): string | null {
  const names = Object.keys(skills);
  if (names.length > MAX_SKILLS_PER_AGENT) return `an agent has at most ${MAX_SKILLS_PER_AGENT} skills`;
  for (const name of names) {
    if (!SKILL_NAME.test(name)) return `"${name}" is not a skill name (lower-case a-z, 0-9, _ or -, starting with a letter, up to 32)`;
    const level = skills[name];
    if (typeof level !== 'number' || !Number.isInteger(level) || level < MIN_SKILL_LEVEL || level > MAX_SKILL_LEVEL) {
      return `the level of skill "${name}" must be a whole number ${MIN_SKILL_LEVEL}-${MAX_SKILL_LEVEL}`;
    }
  }
  return null;
}

/** One choice of the language menu: press `digit` for `skill`, announced by `prompt` in `language`. */
export interface LanguageMenuOption {
  digit: string;
  skill: string;
  prompt: string;
  /** BCP-47 language the prompt is spoken in, e.g. es-US. */
  language: string;
  /** The queue callers who pick this option wait in; absent = the number's queue (else the default). */
  queueId?: string;
  /** Added to the number's priority for callers who pick this option (-100..100; absent = 0). */
  priority?: number;
}

/** Priorities of numbers and menu options: higher is served first (docs/QUEUES.md). */
export const MIN_CALLER_PRIORITY = -100;
export const MAX_CALLER_PRIORITY = 100;

/** Why a language menu is not valid, or null. */
export function validateLanguageMenu(options: readonly LanguageMenuOption[]): string | null {
  if (options.length > MAX_LANGUAGE_MENU_OPTIONS) return `a language menu has at most ${MAX_LANGUAGE_MENU_OPTIONS} options`;
  const digits = new Set<string>();
  for (const o of options) {
    if (!/^[0-9*#]$/.test(o.digit)) return `menu digit "${o.digit}" must be one key: 0-9, * or #`;
    if (digits.has(o.digit)) return `menu digit ${o.digit} is used twice`;
    digits.add(o.digit);
    if (!SKILL_NAME.test(o.skill))
      return `menu skill "${o.skill}" is not a skill name (lower-case a-z, 0-9, _ or -, starting with a letter)`;
    if (!o.prompt.trim() || o.prompt.length > 300) return `the prompt for digit ${o.digit} must be 1-300 characters`;
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(o.language)) return `"${o.language}" is not a BCP-47 language tag (e.g. en-US, es-US)`;
    // Whether the queue is the company's is checked where the company's queues are known.
    if (o.queueId !== undefined && (o.queueId.trim() === '' || o.queueId.length > 64))
      return `the queue id for digit ${o.digit} must be 1-64 characters`;
    if (o.priority !== undefined && (!Number.isInteger(o.priority) || o.priority < MIN_CALLER_PRIORITY || o.priority > MAX_CALLER_PRIORITY))
      return `the priority for digit ${o.digit} must be a whole number ${MIN_CALLER_PRIORITY}..${MAX_CALLER_PRIORITY}`;
  }
  return null;
}

/** The skill the caller chose, or null (no input, or a key that is not on the menu). */
export function menuChoice(options: readonly LanguageMenuOption[], digits: string | null | undefined): string | null {
  const key = (digits ?? '').trim().charAt(0);
  return options.find((o) => o.digit === key)?.skill ?? null;
}

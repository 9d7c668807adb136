import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allOf,
  describeSkills,
  matchesSkills,
  menuChoice,
  parseSkillExpression,
  skillsNamed,
  validateLanguageMenu,
  validateSkills,
  type LanguageMenuOption,
  type SkillExpression,
} from '../../src/domain/skills.js';

function parse(text: string): SkillExpression {
  const r = parseSkillExpression(text);
  if (!r.ok) throw new Error(r.error);
  return r.expression;
}

// Modelled on TaskRouter's TargetWorkers expressions (`HAS`, `AND`, `OR`, `>=` on numeric levels) and
// Five9's per-user skill levels (docs/ROUTING.md §Skills).
describe('skill expressions: parse and match', () => {
  const ana = { es: 9, en: 4, billing: 2 };
  const ben = { en: 10 };
  const chloe = { fr: 7, en: 6, billing: 8 };
  const nobody = {};
  const table: [expr: string, matches: { ana: boolean; ben: boolean; chloe: boolean; nobody: boolean }][] = [
    ['es', { ana: true, ben: false, chloe: false, nobody: false }],
    ['en', { ana: true, ben: true, chloe: true, nobody: false }],
    ['EN', { ana: true, ben: true, chloe: true, nobody: false }],
    ['en>=5', { ana: false, ben: true, chloe: true, nobody: false }],
    ['en>6', { ana: false, ben: true, chloe: false, nobody: false }],
    ['en=6', { ana: false, ben: false, chloe: true, nobody: false }],
    ['es | fr', { ana: true, ben: false, chloe: true, nobody: false }],
    ['en & billing', { ana: true, ben: false, chloe: true, nobody: false }],
    ['billing>=5 & (en | es)', { ana: false, ben: false, chloe: true, nobody: false }],
    ['es & en | fr', { ana: true, ben: false, chloe: true, nobody: false }], // & binds tighter than |
    ['es & (en | fr)', { ana: true, ben: false, chloe: false, nobody: false }],
    ['((en))', { ana: true, ben: true, chloe: true, nobody: false }],
    ['en>=0', { ana: true, ben: true, chloe: true, nobody: false }], // level 0 = not having it: still needs the skill
  ];
  it.each(table)('%s', (expr, expected) => {
    const e = parse(expr);
    expect({
      ana: matchesSkills(e, ana),
      ben: matchesSkills(e, ben),
      chloe: matchesSkills(e, chloe),
      nobody: matchesSkills(e, nobody),
    }).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['es &', /ends too early/],
    ['(es | en', /not closed/],
    ['es en', /unexpected "en"/],
    ['es >= eleven', /whole number 0-10/],
    ['es>=11', /whole number 0-10/],
    ['1es', /not a skill name/],
    ['es$', /unexpected "\$"/],
    ['& es', /not a skill name/],
    ['es | | en', /not a skill name/],
    ['x'.repeat(201), /at most 200/],
  ])('rejects %j with a clear message', (text, message) => {
    const r = parseSkillExpression(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('describes an expression back in a form that parses to the same thing', () => {
    for (const text of ['es', 'es>=5', 'en=3', 'billing>=5 & (en | es)', 'a | b & c', '(a | b) & (c | d>2)']) {
      const e = parse(text);
      expect(parse(describeSkills(e))).toEqual(e);
    }
    expect(describeSkills(parse('billing >= 5 & ( en | es )'))).toBe('billing>=5 & (en | es)');
  });

  it('round-trips random expressions and matches them like a reference evaluator', () => {
    const names = ['es', 'en', 'fr', 'billing'];
    const leaf = fc.record({
      op: fc.constant('has' as const),
      skill: fc.constantFrom(...names),
      cmp: fc.constantFrom('>=' as const, '>' as const, '=' as const),
      level: fc.integer({ min: 1, max: 10 }),
    });
    const expr = fc.letrec<{ e: SkillExpression }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ op: fc.constantFrom('and' as const, 'or' as const), terms: fc.array(tie('e'), { minLength: 2, maxLength: 3 }) }),
      ),
    })).e;
    const skills = fc.dictionary(fc.constantFrom(...names), fc.integer({ min: 1, max: 10 }));
    const reference = (e: SkillExpression, s: Record<string, number>): boolean =>
      e.op === 'has'
        ? s[e.skill] !== undefined &&
          (e.cmp === '>=' ? s[e.skill]! >= e.level : e.cmp === '>' ? s[e.skill]! > e.level : s[e.skill] === e.level)
        : e.op === 'and'
          ? e.terms.every((t) => reference(t, s))
          : e.terms.some((t) => reference(t, s));
    fc.assert(
      fc.property(expr, skills, (e, s) => {
        fc.pre(describeSkills(e).length <= 200); // longer ones are refused (tested above)
        const reparsed = parse(describeSkills(e));
        expect(matchesSkills(reparsed, s)).toBe(reference(e, s));
        expect(matchesSkills(e, s)).toBe(reference(e, s));
      }),
      { numRuns: 2000 },
    );
  });

  it('allOf joins requirements with AND and ignores missing ones', () => {
    expect(allOf(null, null)).toBeNull();
    expect(allOf(parse('es'), null)).toEqual(parse('es'));
    const both = allOf(parse('billing'), parse('es'))!;
    expect(matchesSkills(both, { billing: 1, es: 1 })).toBe(true);
    expect(matchesSkills(both, { billing: 1 })).toBe(false);
  });

  it('skillsNamed lists every skill mentioned', () => {
    expect([...skillsNamed(parse('billing>=5 & (en | es)'))].sort()).toEqual(['billing', 'en', 'es']);
  });
});

describe('agent skills validation', () => {
  it.each([
    [{ es: 5 }, null],
    [{ es: 1, en: 10, 'tier-2_support': 3 }, null],
    [{ ES: 5 }, /not a skill name/],
    [{ es: 0 }, /1-10/],
    [{ es: 11 }, /1-10/],
    [{ es: 2.5 }, /1-10/],
    [{ es: '5' }, /1-10/],
    [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`s${i}`, 1])), /at most 50/],
  ])('%j → %s', (skills, problem) => {
    const result = validateSkills(skills as Record<string, unknown>);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });
});

describe('language menu', () => {
  const menu: LanguageMenuOption[] = [
    { digit: '1', skill: 'en', prompt: 'For English, press 1.', language: 'en-US' },
    { digit: '2', skill: 'es', prompt: 'Para español, oprima 2.', language: 'es-US' },
  ];

  it('accepts a two-language menu', () => expect(validateLanguageMenu(menu)).toBeNull());

  it('accepts options naming a queue and a priority at either end of its range', () => {
    expect(
      validateLanguageMenu([
        { ...menu[0]!, queueId: 'q1', priority: -100 },
        { ...menu[1]!, priority: 100 },
      ]),
    ).toBeNull();
  });

  it.each([
    [[{ ...menu[0]!, digit: '12' }], /one key/],
    [[menu[0]!, { ...menu[1]!, digit: '1' }], /used twice/],
    [[{ ...menu[0]!, skill: 'Español' }], /not a skill name/],
    [[{ ...menu[0]!, prompt: '  ' }], /1-300/],
    [[{ ...menu[0]!, language: 'english' }], /BCP-47/],
    [Array.from({ length: 10 }, (_, i) => ({ ...menu[0]!, digit: String(i) })), /at most 9/],
    [[{ ...menu[0]!, priority: 101 }], /priority for digit 1 must be a whole number -100\.\.100/],
    [[{ ...menu[0]!, priority: -101 }], /priority for digit 1/],
    [[{ ...menu[0]!, priority: 1.5 }], /priority for digit 1/],
    [[{ ...menu[0]!, queueId: ' ' }], /queue id for digit 1/],
  ])('rejects %j', (options, problem) => {
    expect(validateLanguageMenu(options)).toMatch(problem);
  });

  it.each([
    ['1', 'en'],
    ['2', 'es'],
    ['2#', 'es'],
    [' 2', 'es'],
    ['3', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('key %j → %j', (digits, skill) => {
    expect(menuChoice(menu, digits)).toBe(skill);
  });
});

/**
 * Reads a TeXML document the way the simulator holds Telnyx to its dialect (./dialect.ts): well-formed
 * XML, one `<Response>` root, only known verbs and nouns where they may stand, only documented
 * attribute names (case-sensitive) with documented values. Telnyx itself ignores what it does not
 * know; the simulator refuses it, so drift from the dialect fails a scenario. Pure.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DIALECT, LEG_STATUS_EVENTS } from './dialect.js';

export interface TexmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** Text content, trimmed ('' when none). */
  readonly text: string;
  readonly children: readonly TexmlNode[];
}

export type ReadResult = { ok: true; verbs: TexmlNode[] } | { ok: false; errors: string[] };

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true, // numeric character references (&#10;) as the renderer escapes whitespace
});

/**
 * The verbs of a document, or every way it breaks the dialect. `allowedVerbs` narrows the root's
 * children (an `<Enqueue waitUrl>` document may only use a few).
 */
export function readTexml(xml: string, allowedVerbs?: readonly string[]): ReadResult {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, errors: [`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`] };
  const top = (parser.parse(xml) as Ordered[]).filter((n) => !('?xml' in n));
  const roots = top.filter((n) => elementName(n) !== null);
  if (roots.length !== 1 || elementName(roots[0]!) !== 'Response') {
    return {
      ok: false,
      errors: [`the root must be one <Response>, found ${roots.map((r) => `<${elementName(r)}>`).join(', ') || 'none'}`],
    };
  }
  const errors: string[] = [];
  const root = toNode(roots[0]!, 'Response', errors);
  if (allowedVerbs) {
    for (const verb of root.children)
      if (!allowedVerbs.includes(verb.name)) errors.push(`<${verb.name}> is not allowed here (only ${allowedVerbs.join(', ')})`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, verbs: [...root.children] };
}

function elementName(node: Ordered): string | null {
  const key = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  return key ?? null;
}

function toNode(raw: Ordered, path: string, errors: string[]): TexmlNode {
  const name = elementName(raw)!;
  const rule = DIALECT[name];
  const attrs = { ...(raw[':@'] ?? {}) };
  const content = (raw[name] as Ordered[] | undefined) ?? [];
  const text = content
    .filter((c) => '#text' in c)
    .map((c) => String(c['#text']))
    .join('')
    .trim();
  const children: TexmlNode[] = [];
  for (const child of content) {
    const childName = elementName(child);
    if (childName === null) continue;
    const childPath = `${path} > ${childName}`;
    if (!DIALECT[childName]) {
      errors.push(`${childPath}: <${childName}> is not a TeXML verb or noun the simulator plays`);
      continue;
    }
    if (!rule?.children?.includes(childName)) {
      errors.push(`${childPath}: <${childName}> may not stand inside <${name}>`);
      continue;
    }
    children.push(toNode(child, childPath, errors));
  }
  if (rule) checkElement(name, path, attrs, text, children.length, errors);
  return { name, attrs, text, children };
}

function checkElement(name: string, path: string, attrs: Record<string, string>, text: string, childCount: number, errors: string[]) {
  const rule = DIALECT[name]!;
  for (const [key, value] of Object.entries(attrs)) {
    if (!rule.attributes.includes(key)) {
      const sameLetters = rule.attributes.find((a) => a.toLowerCase() === key.toLowerCase());
      errors.push(
        `${path}: unknown attribute ${key}="${value}"${sameLetters ? ` (Telnyx spells it ${sameLetters})` : ''}; Telnyx would silently ignore it`,
      );
      continue;
    }
    const range = rule.ranges?.[key];
    if (range) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) errors.push(`${path}: ${key}="${value}" is not a number`);
      else if (n < range[0] || n > range[1]) errors.push(`${path}: ${key}="${value}" is outside ${range[0]}–${range[1]}`);
    }
    const allowed = rule.values?.[key];
    if (allowed && !allowed.includes(value)) errors.push(`${path}: ${key}="${value}" is not one of ${allowed.join(', ')}`);
    if (key === 'statusCallbackEvent' && (name === 'Sip' || name === 'Number')) {
      for (const event of value.split(/\s+/).filter(Boolean)) {
        if (!LEG_STATUS_EVENTS.includes(event))
          errors.push(`${path}: statusCallbackEvent "${event}" is not one of ${LEG_STATUS_EVENTS.join(' ')}`);
      }
    }
  }
  if (rule.text === 'required' && text === '') errors.push(`${path}: <${name}> needs text (a URL, URI, number or words)`);
  if (rule.text === 'none' && text !== '') errors.push(`${path}: <${name}> takes no text, found "${text.slice(0, 40)}"`);
  if (name === 'Dial' && childCount === 0 && text === '') errors.push(`${path}: <Dial> has nothing to dial`);
}

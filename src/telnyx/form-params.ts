/**
 * A webhook's parameters (application/x-www-form-urlencoded, the body Telnyx POSTs and a GET's query
 * string), read as the WHATWG URL standard reads them (URLSearchParams: '+' is a space, percent
 * escapes are UTF-8). URLSearchParams itself, built twice and merged with set() per key, was about a
 * twentieth of a TeXML decision; the form is a couple of dozen plain pairs.
 */

/**
 * A webhook's parameters by name; `get` answers as URLSearchParams's does (the first value). The form
 * is kept as text and a name is looked for when asked: a handler asks for a handful of a Telnyx
 * form's two dozen parameters, and decoding every pair into a map was most of what the form cost a
 * decision (about 1.3 KB of strings and map for four pairs).
 */
export class FormParams implements Iterable<[string, string]> {
  /** Every pair, read when the form is iterated (rare: the handlers ask by name). */
  private all: Map<string, string> | undefined;

  /**
   * `first`: a form whose first value of a name counts (a query string); `last`: one whose last value
   * of a name counts, over `first` (a POST's body); '' for none.
   */
  private constructor(
    private readonly first: string,
    private readonly last: string,
  ) {}

  get(name: string): string | null {
    if (this.all) return this.all.get(name) ?? null;
    if (this.last.length > 0) {
      const value = findValue(this.last, name, true);
      if (value === ENCODED_NAME) return this.pairs().get(name) ?? null;
      if (value !== null) return value;
    }
    const value = findValue(this.first, name, false);
    return value === ENCODED_NAME ? (this.pairs().get(name) ?? null) : value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.pairs().entries();
  }

  /** The form's pairs; the first value of a name is kept (URLSearchParams.get's answer). An empty form is one shared instance. */
  static parse(text: string): FormParams {
    if (text.length === 0 || text === '?') return NO_PARAMS;
    return new FormParams(text, '');
  }

  /**
   * A GET's query string with a POST's form body over it: a name the body carries takes the body's
   * last value (what URLSearchParams.set did for each of its pairs in turn), the others the query's first.
   */
  static merged(query: string, body: string): FormParams {
    return new FormParams(query, body);
  }

  private pairs(): Map<string, string> {
    if (this.all) return this.all;
    const values = new Map<string, string>();
    readPairs(this.first, (name, value) => {
      if (!values.has(name)) values.set(name, value);
    });
    readPairs(this.last, (name, value) => values.set(name, value));
    this.all = values;
    return values;
  }
}

/** The empty form: parse('') and parse('?'). */
const NO_PARAMS = FormParams.merged('', '');

/** findValue met a name with a '%' or '+' (Telnyx's never have one): the form is read whole instead (pairs()). */
const ENCODED_NAME = Symbol('encoded name');

/**
 * The value of `name` in `text` (its first pair of that name, or with `last` its last), decoded, or
 * null; or ENCODED_NAME as soon as a pair's name would need decoding, so that a form of many such
 * names is decoded once (pairs()), not once per name asked. One pass, linear in the text whatever it
 * holds: the next '=', '%' and '+' are each looked for again only once passed. It walks the pairs
 * with its own loop rather than sharing readPairs': a shared walker, by callback or by cursor object,
 * cost 0.4–1 KB more per decision (5.8–6.0 KB in-process), as V8 kept its closures or cursors.
 */
function findValue(text: string, name: string, last: boolean): string | null | typeof ENCODED_NAME {
  let nextEq = -1;
  let nextPercent = -1;
  let nextPlus = -1;
  let foundFrom = -1;
  let foundTo = -1;
  for (let at = text.charCodeAt(0) === 63 /* ? */ ? 1 : 0; at <= text.length; ) {
    let end = text.indexOf('&', at);
    if (end === -1) end = text.length;
    if (end > at) {
      if (nextEq < at) nextEq = indexOrEnd(text, '=', at);
      if (nextPercent < at) nextPercent = indexOrEnd(text, '%', at);
      if (nextPlus < at) nextPlus = indexOrEnd(text, '+', at);
      const nameEnd = Math.min(nextEq, end);
      if (nextPercent < nameEnd || nextPlus < nameEnd) return ENCODED_NAME;
      if (nameEnd - at === name.length && text.startsWith(name, at)) {
        foundFrom = nameEnd < end ? nameEnd + 1 : end;
        foundTo = end;
        if (!last) break;
      }
    }
    at = end + 1;
  }
  if (foundFrom === -1) return null;
  return foundFrom === foundTo ? '' : decode(text.slice(foundFrom, foundTo));
}

/** text.indexOf(char, from), or the text's length when there is none (so it is never looked for again). */
function indexOrEnd(text: string, char: string, from: number): number {
  const at = text.indexOf(char, from);
  return at === -1 ? text.length : at;
}

/** Calls `pair` for each name=value of `text` in order (a leading '?' is not part of the first name). */
function readPairs(text: string, pair: (name: string, value: string) => void): void {
  if (text.length === 0) return;
  const start = text.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  for (let at = start; at <= text.length; ) {
    let end = text.indexOf('&', at);
    if (end === -1) end = text.length;
    if (end > at) {
      // '=' is looked for within the pair only: a body of many '&' and no '=' stays linear.
      const part = text.slice(at, end);
      const eq = part.indexOf('=');
      if (eq === -1) pair(decode(part), '');
      else pair(decode(part.slice(0, eq)), decode(part.slice(eq + 1)));
    }
    at = end + 1;
  }
}

/** One name or value: '+' is a space, then percent escapes as UTF-8 (the standard's U+FFFD for bytes that are not). */
function decode(part: string): string {
  const spaced = part.includes('+') ? part.replaceAll('+', ' ') : part;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A '%' without two hex digits, or bytes that are not UTF-8: decodeURIComponent gives up where
    // the standard keeps the '%' or puts U+FFFD, so the standard's own reading (rare: Telnyx encodes well).
    return new URLSearchParams(`a=${part}`).get('a')!;
  }
}

/**
 * A webhook's parameters (application/x-www-form-urlencoded, the body Telnyx POSTs and a GET's query
 * string), read as the WHATWG URL standard reads them (URLSearchParams: '+' is a space, percent
 * escapes are UTF-8) into a map. URLSearchParams itself, built twice and merged with set() per key,
 * was about a twentieth of a TeXML decision; the form is a dozen plain pairs.
 */

/** A webhook's parameters by name; `get` answers as URLSearchParams's does (the first value). */
export class FormParams implements Iterable<[string, string]> {
  private readonly values = new Map<string, string>();

  get(name: string): string | null {
    return this.values.get(name) ?? null;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /**
   * The form's pairs; the first value of a name is kept (URLSearchParams.get's answer). An empty form
   * (most webhooks' query string) is one shared, empty instance.
   */
  static parse(text: string): FormParams {
    if (text.length === 0 || text === '?') return NO_PARAMS;
    const params = new FormParams();
    params.readFirst(text);
    return params;
  }

  /**
   * A GET's query string with a POST's form body over it: a name the body carries takes the body's
   * last value (what URLSearchParams.set did for each of its pairs in turn), the others the query's first.
   */
  static merged(query: string, body: string): FormParams {
    const params = new FormParams();
    params.readFirst(query);
    readPairs(body, (name, value) => params.values.set(name, value));
    return params;
  }

  private readFirst(text: string): void {
    readPairs(text, (name, value) => {
      if (!this.values.has(name)) this.values.set(name, value);
    });
  }
}

/** Never written: parse() and merged() fill only instances of their own. */
const NO_PARAMS = new FormParams();

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

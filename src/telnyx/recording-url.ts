/**
 * Which voicemail RecordingUrls are stored: only https URLs on Telnyx's recording hosts (the list is
 * configurable, RECORDING_URL_ALLOWLIST). A stored URL is shown to supervisors as a link, so an
 * arbitrary one (javascript:, an attacker's host, an internal address) must never get in.
 *
 * An entry is `host[:port][/path-prefix]` with an optional `*.` wildcard for subdomains, or with an
 * explicit `http://` scheme for a local simulator outside production. Pure: no I/O.
 */

/** Telnyx serves recordings from its API hosts and from pre-signed URLs on its S3 bucket. */
export const DEFAULT_RECORDING_URL_ALLOWLIST = [
  '*.telnyx.com',
  's3.amazonaws.com/telephony-recorder-prod/',
  'telephony-recorder-prod.s3.amazonaws.com',
].join(',');

export const MAX_RECORDING_URL_CHARS = 2000;

export interface RecordingUrlRule {
  protocol: 'https:' | 'http:';
  /** Lower case; `*.example.com` matches any subdomain of example.com (not example.com itself). */
  host: string;
  /** '' = the scheme's default port. */
  port: string;
  pathPrefix: string;
  /** As configured, for log lines. */
  text: string;
}

const LOCAL_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|::1?)$/i;

/** Parses the comma-separated list; throws an Error whose message names the bad entry. */
export function parseRecordingAllowList(text: string, opts: { production: boolean }): RecordingUrlRule[] {
  const rules: RecordingUrlRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const explicit = /^[a-z]+:\/\//i.test(entry);
    if (explicit && !/^https?:\/\//i.test(entry)) throw new Error(`"${entry}": only https:// (or http:// outside production) entries`);
    // The URL parser would take `*` as a host character; swap it for a marker label to parse the rest.
    const wildcard = /^(https?:\/\/)?\*\./i.test(entry);
    const parsable = (explicit ? entry : `https://${entry}`).replace('://*.', '://wildcard.');
    let url: URL;
    try {
      url = new URL(parsable);
    } catch {
      throw new Error(`"${entry}" is not a host or URL prefix`);
    }
    if (url.username || url.password || url.search || url.hash) throw new Error(`"${entry}": no credentials, query or fragment`);
    const host = wildcard ? `*.${url.hostname.slice('wildcard.'.length)}` : url.hostname;
    if (opts.production && url.protocol !== 'https:') throw new Error(`"${entry}": http is not allowed when NODE_ENV=production`);
    if (opts.production && LOCAL_HOST.test(url.hostname))
      throw new Error(`"${entry}": a local host is not allowed when NODE_ENV=production`);
    rules.push({
      protocol: url.protocol as 'https:' | 'http:',
      host,
      port: url.port,
      pathPrefix: url.pathname === '/' ? '' : url.pathname,
      text: entry,
    });
  }
  return rules;
}

export type RecordingUrlVerdict = { ok: true } | { ok: false; reason: string };

export function checkRecordingUrl(value: string, rules: readonly RecordingUrlRule[]): RecordingUrlVerdict {
  if (value.length > MAX_RECORDING_URL_CHARS) return { ok: false, reason: `longer than ${MAX_RECORDING_URL_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `scheme ${url.protocol} is not https` };
  if (url.username || url.password) return { ok: false, reason: 'URL carries credentials' };
  const host = url.hostname.toLowerCase();
  const allowed = rules.some(
    (rule) =>
      rule.protocol === url.protocol &&
      (rule.host.startsWith('*.') ? host.endsWith(rule.host.slice(1)) && host.length > rule.host.length - 1 : host === rule.host) &&
      url.port === rule.port &&
      url.pathname.startsWith(rule.pathPrefix),
  );
  if (!allowed) {
    return {
      ok: false,
      reason: url.protocol === 'https:' ? `host ${host} is not an allowed recording host` : `scheme ${url.protocol} is not https`,
    };
  }
  return { ok: true };
}

/**
 * Which addresses a CRM webhook may reach (SSRF, README §CRM events): only public unicast ones unless
 * the deployment allows private networks (WEBHOOKS_ALLOW_PRIVATE_NETWORKS). Loopback, RFC 1918,
 * link-local (169.254.169.254, the cloud metadata address), carrier-grade NAT (100.100.100.200,
 * another metadata address), ULA (fd00:ec2::254), multicast, reserved, and IPv6 forms that embed an
 * IPv4 address (mapped, NAT64, 6to4, Teredo) are all refused. ipaddr.js names each range.
 */
import ipaddr from 'ipaddr.js';

/** ipaddr.js's name of the address's range ('unicast' = public), or 'invalid'. */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  // process() turns ::ffff:a.b.c.d into a.b.c.d, so a mapped loopback reads as loopback.
  return ipaddr.process(address).range();
}

export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** What is wrong with a webhook URL's form (not where it points), or null. */
export function webhookUrlProblem(value: string): string | null {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (!url.hostname) return 'must name a host';
  return null;
}

/** The URL's host as an address when it is an IP literal ([::1] → ::1), else null (a name to resolve). */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  // WHATWG URL writes every IPv4 form (0x7f.1, 2130706433) as four decimal parts.
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare) ? bare : null;
}

// Which statuses a person may pick, from the company's own list of break reasons (pure). The server
// refuses a break reason outside a company's list; checking here first means the picker never offers
// one and a stale page says why instead of sending it.
import type { AgentStatus } from './gql/graphql.js';

export type StatusChoice = { ok: true; status: AgentStatus; reason: string | null } | { ok: false; message: string };

/**
 * A status change as the server will accept it: a break takes one of the company's reasons (spelled as
 * the company defines it); a company with no list takes a break without a reason; other statuses carry none.
 */
export function chooseStatus(status: AgentStatus, reason: string | null | undefined, breakReasons: readonly string[]): StatusChoice {
  if (status !== 'ON_BREAK') return { ok: true, status, reason: null };
  if (breakReasons.length === 0) return { ok: true, status, reason: null };
  const wanted = reason?.trim().toLowerCase() ?? '';
  const match = breakReasons.find((r) => r.toLowerCase() === wanted);
  if (!match) return { ok: false, message: `Pick one of the company's break reasons: ${breakReasons.join(', ')}.` };
  return { ok: true, status, reason: match };
}

/** The options of a status picker: Available, one break per company reason (or a plain break), wrap-up. */
export function statusOptions(
  breakReasons: readonly string[],
): { value: string; label: string; status: AgentStatus; reason: string | null }[] {
  const breaks = breakReasons.length
    ? breakReasons.map((r) => ({ value: `ON_BREAK:${r}`, label: `Break · ${r}`, status: 'ON_BREAK' as const, reason: r }))
    : [{ value: 'ON_BREAK:', label: 'Break', status: 'ON_BREAK' as const, reason: null }];
  return [
    { value: 'AVAILABLE', label: 'Available', status: 'AVAILABLE', reason: null },
    ...breaks,
    { value: 'WRAP_UP', label: 'Wrap-up', status: 'WRAP_UP', reason: null },
  ];
}

/** The picker value that shows a status (a break whose reason is not on the list gets a value of its own, not one of the list). */
export function statusOptionValue(status: string, reason: string | null | undefined, breakReasons: readonly string[]): string {
  if (status !== 'ON_BREAK') return status;
  const match = breakReasons.find((r) => r.toLowerCase() === (reason ?? '').toLowerCase());
  return `ON_BREAK:${match ?? (breakReasons.length ? (reason ?? '') : '')}`;
}

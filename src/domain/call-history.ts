/**
 * The pure parts of reading the call history: a company's local dates as instants (its days start at
 * its own midnight, DST included) and the page cursor (opaque to clients, (startedAt, id) inside).
 */
import { localParts, startOfLocalDay } from './business-hours.js';

const DAY = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD date as its UTC day number, or null when it is not a real date. */
function dayNumberOf(date: string): number | null {
  const m = LOCAL_DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY;
}

/** The first instant of a local date in a zone (its midnight, or the end of a DST gap at midnight). */
export function startOfLocalDate(date: string, timeZone: string): number {
  const day = dayNumberOf(date);
  if (day === null) throw new RangeError(`Invalid date ${date}: expected YYYY-MM-DD`);
  // Noon UTC of that date is within ±14 h of the local date; step it onto the date, then take its midnight.
  let guess = day * DAY + DAY / 2;
  for (let i = 0; i < 2; i++) {
    const p = localParts(guess, timeZone);
    const shift = day - Date.UTC(p.year, p.month - 1, p.day) / DAY;
    if (shift === 0) break;
    guess += shift * DAY;
  }
  return startOfLocalDay(guess, timeZone);
}

/**
 * Local dates `from` and `to` (both inclusive, either may be absent) as a half-open range of instants
 * [fromMs, toMs). RangeError for a malformed date.
 */
export function localDateRange(
  range: { from?: string | null; to?: string | null },
  timeZone: string,
): { fromMs: number | null; toMs: number | null } {
  const fromMs = range.from ? startOfLocalDate(range.from, timeZone) : null;
  let toMs: number | null = null;
  if (range.to) {
    const day = dayNumberOf(range.to);
    if (day === null) throw new RangeError(`Invalid date ${range.to}: expected YYYY-MM-DD`);
    toMs = startOfLocalDate(new Date((day + 1) * DAY).toISOString().slice(0, 10), timeZone);
  }
  return { fromMs, toMs };
}

export interface HistoryCursor {
  startedAt: number;
  id: string;
}

export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.id])).toString('base64url');
}

/** The cursor a page ended with, or null when the text is not one of ours. */
export function decodeCursor(text: string): HistoryCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [startedAt, id] = value;
    if (typeof startedAt !== 'number' || !Number.isFinite(startedAt) || typeof id !== 'string' || id.length === 0) return null;
    return { startedAt, id };
  } catch {
    return null;
  }
}

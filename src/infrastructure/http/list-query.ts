import { badRequest } from './api-error';

/**
 * Query-string parsing shared by the list endpoints (`?status=&cursor=&limit=`).
 * Every bad value is a 400 with its own code, never a 500.
 */

export interface LimitOptions {
  defaultLimit: number;
  maxLimit: number;
}

/** `?limit=`: an integer from 1 to maxLimit; absent means the default. */
export function parseLimit(raw: unknown, { defaultLimit, maxLimit }: LimitOptions): number {
  if (raw === undefined || raw === '') return defaultLimit;
  const value = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > maxLimit) {
    throw badRequest('INVALID_LIMIT', `limit must be an integer from 1 to ${maxLimit}`, {
      limit: (typeof raw === 'string' ? raw : JSON.stringify(raw)).slice(0, 40),
      max: maxLimit,
    });
  }
  return value;
}

/** A parameter that may repeat (`?status=A&status=B`) or hold a comma-separated list (`?status=A,B`). */
export function parseMultiValue(raw: unknown): string[] {
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((value) => String(value).split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

/**
 * The position of the last item of a page in a keyset order: the sort key
 * (an exact UTC timestamp with microseconds, as PostgreSQL formats it) and
 * the order id that breaks ties. Opaque to clients (base64url JSON).
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

const EXACT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/** `?cursor=`: the `nextCursor` of a previous page; undefined for the first page. */
export function parseCursor(raw: unknown): KeysetPosition | undefined {
  if (raw === undefined || raw === '') return undefined;
  const invalid = () => badRequest('INVALID_CURSOR', 'cursor must be the nextCursor of a previous page, unchanged');
  if (typeof raw !== 'string' || raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || !EXACT_UTC.test(at) || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return { at, id };
}

/** `?q=`: a search term, trimmed, at most maxLength characters; undefined when empty. */
export function parseSearch(raw: unknown, maxLength = 100): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badRequest('INVALID_SEARCH', 'q must be given once');
  const term = raw.trim();
  if (term.length > maxLength) throw badRequest('INVALID_SEARCH', `q must be at most ${maxLength} characters`);
  return term.length === 0 ? undefined : term;
}

/** A LIKE prefix pattern that matches `term` literally (its % _ and \ escaped). */
export function likePrefix(term: string): string {
  return `${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Refuses query parameters the route does not know (400 UNKNOWN_QUERY_PARAMETER), as unknown body fields are:
 * a misspelt filter (`search=` for `q=`) must not quietly answer the unfiltered list.
 */
export function rejectUnknownParameters(query: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw badRequest('UNKNOWN_QUERY_PARAMETER', `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; this route takes ${known.join(', ')}`, {
      unknown,
      known,
    });
}

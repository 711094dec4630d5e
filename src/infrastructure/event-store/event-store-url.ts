import { EventStore } from './event-store.port';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { type EventStoreLogger, PostgresEventStore } from './postgres/postgres-event-store';

/**
 * Picks an adapter from a URL alone, for tools that hold two stores at once
 * (events:copy): `postgres://` or `postgresql://` is the PostgreSQL adapter
 * (schema event_store in that database), `kurrentdb://`, `esdb://`, `kdb://`
 * (and their `+discover` forms) the KurrentDB adapter, the same schemes
 * config.ts accepts for EVENTSTORE_URL. The app itself picks in event-store.module.ts.
 */
export type EventStoreKind = 'postgres' | 'kurrentdb';

const KINDS: Record<string, EventStoreKind> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'kurrentdb:': 'kurrentdb',
  'esdb:': 'kurrentdb',
  'kdb:': 'kurrentdb',
  'kurrentdb+discover:': 'kurrentdb',
  'esdb+discover:': 'kurrentdb',
  'kdb+discover:': 'kurrentdb',
};

export class UnsupportedEventStoreUrlError extends Error {
  override readonly name = 'UnsupportedEventStoreUrlError';
}

export function eventStoreKind(url: string): EventStoreKind {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UnsupportedEventStoreUrlError(`not a URL: ${redactUrl(url)}`);
  }
  const kind = KINDS[protocol];
  if (!kind) throw new UnsupportedEventStoreUrlError(`unsupported event store URL scheme ${protocol} (use ${Object.keys(KINDS).join(' ')})`);
  return kind;
}

export interface EventStoreAtUrlOptions {
  /** PostgreSQL only: connections for appends and reads. */
  poolSize?: number;
  logger?: EventStoreLogger;
}

export function eventStoreAtUrl(url: string, options: EventStoreAtUrlOptions = {}): EventStore {
  // KurrentDB: events of order- streams that are not ours are skipped by the adapter, and said so through the logger.
  if (eventStoreKind(url) === 'kurrentdb') return new KurrentDbEventStore({ connectionString: url, logger: options.logger });
  return new PostgresEventStore({ connectionString: url, poolSize: options.poolSize, logger: options.logger });
}

/** The URL without its password (and without query parameters, which may carry credentials too), for logs and files. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

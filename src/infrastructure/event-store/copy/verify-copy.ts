/**
 * Proves a copy: both stores are read in full (the source up to the copy's
 * last position, so events appended after the copy do not count), and every
 * stream gets a count, its last revision and a chained sha256 over its events
 * in revision order (id, type, revision, data, metadata). A store's checksum
 * is the sha256 of its streams' digests in stream id order, so two stores
 * with the same streams agree however their global orders interleave.
 *
 * data and metadata are hashed as canonical JSON (object keys sorted): the
 * PostgreSQL adapter stores jsonb, which does not keep key order, while
 * KurrentDB keeps the bytes it was given.
 */
import { createHash } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../event-store.port';

export interface StreamDigest {
  events: number;
  lastRevision: bigint;
  /** sha256(previous digest || canonical event), over the stream's events in order. */
  digest: Buffer;
}

export interface StoreSummary {
  streams: number;
  events: number;
  /** Hex sha256 over every stream id and digest, in stream id order. */
  checksum: string;
}

export interface StreamMismatch {
  streamId: string;
  problem: 'missing in target' | 'extra in target' | 'different events';
  source?: { events: number; lastRevision: string };
  target?: { events: number; lastRevision: string };
}

export interface VerifyResult {
  ok: boolean;
  source: StoreSummary;
  target: StoreSummary;
  /** Every mismatching stream counts; `mismatches` lists the first MAX_LISTED. */
  mismatchCount: number;
  mismatches: StreamMismatch[];
  elapsedMs: number;
}

export interface VerifyCopyOptions {
  source: EventStore;
  target: EventStore;
  /** Source events after this position are ignored (appended after the copy). Default: everything. */
  sourceUntil?: bigint;
  /** Streams only the target has are not a mismatch (a shared KurrentDB test server); they are left out of the target's summary. */
  allowExtraTargetStreams?: boolean;
  /**
   * The copy's newest target position (CopyResult.targetPosition): reading waits until the target
   * shows it. A PostgreSQL store shows an event only once every older transaction of its server
   * has ended, so a long transaction elsewhere on that server would otherwise look like a lost event.
   */
  targetVisibleAt?: bigint;
  /** How long to wait for that. Default 60 s. */
  visibilityTimeoutMs?: number;
  batchSize?: number;
}

/** The target did not show the copy's newest event in time. */
export class TargetNotVisibleError extends Error {
  override readonly name = 'TargetNotVisibleError';
}

const MAX_LISTED = 20;
const DEFAULT_VISIBILITY_TIMEOUT_MS = 60_000;
const VISIBILITY_POLL_MS = 50;
const DEFAULT_BATCH_SIZE = 2_000;
const EMPTY = Buffer.alloc(32);

export async function verifyCopy(options: VerifyCopyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (options.targetVisibleAt !== undefined) {
    const timeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    if (!(await waitUntilVisible(options.target, options.targetVisibleAt, timeoutMs))) {
      throw new TargetNotVisibleError(
        `the target does not show position ${options.targetVisibleAt} after ${timeoutMs} ms: a transaction older than the copy's appends is still open on its server (pg_stat_activity); verify again with --verify-only once it has ended`,
      );
    }
  }
  const [source, target] = await Promise.all([digestStore(options.source, { until: options.sourceUntil, batchSize }), digestStore(options.target, { batchSize })]);
  const mismatches: StreamMismatch[] = [];
  let mismatchCount = 0;
  const report = (mismatch: StreamMismatch) => {
    mismatchCount += 1;
    if (mismatches.length < MAX_LISTED) mismatches.push(mismatch);
  };
  for (const streamId of [...source.keys()].sort()) {
    const ours = source.get(streamId)!;
    const theirs = target.get(streamId);
    if (!theirs) report({ streamId, problem: 'missing in target', source: describe(ours) });
    else if (!ours.digest.equals(theirs.digest)) report({ streamId, problem: 'different events', source: describe(ours), target: describe(theirs) });
  }
  const targetStreams = [...target.keys()].filter((streamId) => {
    if (source.has(streamId)) return true;
    if (!options.allowExtraTargetStreams) report({ streamId, problem: 'extra in target', target: describe(target.get(streamId)!) });
    return !options.allowExtraTargetStreams;
  });
  return {
    ok: mismatchCount === 0,
    source: summarize(source, [...source.keys()]),
    target: summarize(target, targetStreams),
    mismatchCount,
    mismatches,
    elapsedMs: performance.now() - started,
  };
}

/** Waits until `store` reads up to `position` (its head is there or past it); false on timeout. */
export async function waitUntilVisible(store: EventStore, position: bigint, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const head = await store.headPosition();
    if (head !== undefined && head >= position) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, VISIBILITY_POLL_MS));
  }
}

/** Every stream's digest, reading the store in its global order (each stream's events come in revision order). */
export async function digestStore(store: EventStore, options: { until?: bigint; batchSize: number }): Promise<Map<string, StreamDigest>> {
  const streams = new Map<string, StreamDigest>();
  let position: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ fromPosition: position, limit: options.batchSize });
    for (const event of batch) {
      if (options.until !== undefined && event.position > options.until) return streams;
      const stream = streams.get(event.streamId) ?? { events: 0, lastRevision: -1n, digest: EMPTY };
      streams.set(event.streamId, { events: stream.events + 1, lastRevision: event.revision, digest: chain(stream.digest, event) });
    }
    // Not `batch.length < batchSize`: a filtered KurrentDB $all read may return short pages before the end.
    if (batch.length === 0) return streams;
    position = batch.at(-1)!.position;
  }
}

function chain(previous: Buffer, event: RecordedEvent): Buffer {
  return createHash('sha256')
    .update(previous)
    .update(canonicalJson([event.id, event.type, String(event.revision), event.data, event.metadata]))
    .digest();
}

/** JSON with object keys sorted at every level, so equal values give equal bytes whatever the store did to key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const record = item as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
}

function summarize(streams: Map<string, StreamDigest>, streamIds: string[]): StoreSummary {
  const hash = createHash('sha256');
  let events = 0;
  for (const streamId of streamIds.sort()) {
    const stream = streams.get(streamId)!;
    events += stream.events;
    hash.update(`${streamId}\n`).update(stream.digest);
  }
  return { streams: streamIds.length, events, checksum: hash.digest('hex') };
}

function describe(stream: StreamDigest): { events: number; lastRevision: string } {
  return { events: stream.events, lastRevision: String(stream.lastRevision) };
}

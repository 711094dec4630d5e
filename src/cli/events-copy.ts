/**
 * `npm run events:copy -- --from <url> --to <url>`: copies every stream from
 * one event store to another (PostgreSQL or KurrentDB, chosen by each URL's
 * scheme), resumable, then verifies counts and checksums. The engine is
 * src/infrastructure/event-store/copy; the runbook is docs/OPERATIONS.md,
 * "Moving between event stores". Progress goes to stderr, the summary to stdout.
 */
import { parseArgs, styleText } from 'node:util';
import { migrateDatabase } from '../infrastructure/database/data-source';
import { asynchronousCommitUrl, walFlusher } from '../infrastructure/event-store/copy/postgres-bulk-target';
import { CheckpointFile } from '../infrastructure/event-store/copy/checkpoint-file';
import { type CopyProgress, type CopyResult, copyEvents } from '../infrastructure/event-store/copy/copy-events';
import { type VerifyResult, verifyCopy } from '../infrastructure/event-store/copy/verify-copy';
import { eventStoreAtUrl, eventStoreKind, redactUrl } from '../infrastructure/event-store/event-store-url';
import { ALL_MIGRATIONS } from '../migrations';
import { PostgresEventStore } from '../infrastructure/event-store/postgres/postgres-event-store';

const USAGE = `usage: npm run events:copy -- --from <url> --to <url> [options]
  --from <url>              source: postgres://... (schema event_store) or kurrentdb:// / esdb:// ...
  --to <url>                target, same schemes; a PostgreSQL target is migrated first
  --checkpoint <file>       resume point (default .data/events-copy/<hash of both URLs>.json);
                            run the same command again to resume after an interruption
  --batch-size <n>          source events per read and per checkpoint (default 1000, at most 4096)
  --concurrency <n>         streams appended at once (default 8)
  --verify-only             skip the copy, only compare the two stores
  --no-verify               skip the comparison (not for a final run)
  --allow-extra-target-streams  streams only the target has are not a mismatch
  --synchronous-commit      PostgreSQL target: commit every append synchronously (slower; by default
                            appends commit asynchronously and the WAL is flushed before each checkpoint)
  --json                    the summary as JSON
Exit status: 0 copied and verified, 1 error, 2 usage, 3 verification found differences.`;

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_MISMATCH = 3;
const PROGRESS_EVERY_MS = 2_000;

type Style = Parameters<typeof styleText>[0];

class UsageError extends Error {}

interface Summary {
  from: string;
  to: string;
  checkpoint: string;
  copy?: Omit<CopyResult, 'position' | 'resumedFrom' | 'targetPosition'> & {
    position: string | null;
    resumedFrom: string | null;
    targetPosition: string | null;
    eventsPerSecond: number;
  };
  verification?: VerifyResult;
  /** The source has committed events the copy could not see yet (an open transaction on its server). */
  heldBack?: boolean;
  /** The target's newest readable position: where checkpoints of subscribers (pricing) go after a move. */
  targetHead?: string | null;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      checkpoint: { type: 'string' },
      'batch-size': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      'verify-only': { type: 'boolean', default: false },
      'no-verify': { type: 'boolean', default: false },
      'allow-extra-target-streams': { type: 'boolean', default: false },
      'synchronous-commit': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.from || !values.to) throw new UsageError('--from and --to are both required');
  if (values.from === values.to) throw new UsageError('--from and --to are the same store');
  if (values['verify-only'] && values['no-verify']) throw new UsageError('--verify-only and --no-verify exclude each other');
  const batchSize = positiveInteger(values['batch-size'], '--batch-size');
  const concurrency = positiveInteger(values.concurrency, '--concurrency');
  const [fromKind, toKind] = [eventStoreKind(values.from), eventStoreKind(values.to)];

  const checkpoint = new CheckpointFile(values.checkpoint ?? CheckpointFile.defaultPath(process.cwd(), values.from, values.to), values.from, values.to);
  const summary: Summary = { from: redactUrl(values.from), to: redactUrl(values.to), checkpoint: checkpoint.path };
  // The app creates the schema when it starts; a fresh target database gets it here.
  if (toKind === 'postgres' && !values['verify-only']) await migrateDatabase(values.to, ALL_MIGRATIONS);
  const logger = { warn: (message: string) => void process.stderr.write(`${message}\n`) };
  const source = eventStoreAtUrl(values.from, { poolSize: 2, logger });
  const bulkLoad = toKind === 'postgres' && !values['synchronous-commit'] && !values['verify-only'];
  const target = eventStoreAtUrl(bulkLoad ? asynchronousCommitUrl(values.to) : values.to, { poolSize: concurrency + 1, logger });
  const flusher = bulkLoad ? await walFlusher(values.to) : undefined;
  // Ctrl-C stops after the current batch with its checkpoint saved; a second one exits at once.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)...\n');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  try {
    await Promise.all([source.ping(), target.ping()]);
    process.stderr.write(`events:copy ${summary.from} (${fromKind}) -> ${summary.to} (${toKind})\n`);
    let sourceUntil: bigint | undefined;
    let targetVisibleAt: bigint | undefined;
    if (!values['verify-only']) {
      const copied = await copyEvents({
        source,
        target,
        checkpoint,
        batchSize,
        concurrency,
        signal: stop.signal,
        flushTarget: flusher ? () => flusher.flush() : undefined,
        onBatch: progressPrinter(),
      });
      summary.copy = {
        ...copied,
        position: copied.position === undefined ? null : String(copied.position),
        resumedFrom: copied.resumedFrom === undefined ? null : String(copied.resumedFrom),
        targetPosition: copied.targetPosition === undefined ? null : String(copied.targetPosition),
        eventsPerSecond: Math.round(copied.events / Math.max(copied.elapsedMs / 1000, 0.001)),
      };
      sourceUntil = copied.position;
      targetVisibleAt = copied.targetPosition;
      if (copied.aborted) {
        print(summary, values.json);
        return EXIT_ERROR;
      }
      // PostgreSQL shows an event only once every older transaction has ended: say when some wait behind one.
      if (source instanceof PostgresEventStore && (await source.hasEventsAfter(copied.position ?? -1n))) {
        summary.heldBack = true;
      }
    } else {
      sourceUntil = await source.headPosition();
    }
    if (!values['no-verify']) {
      process.stderr.write('verifying: reading both stores...\n');
      summary.verification = await verifyCopy({
        source,
        target,
        // An empty source: nothing to count on its side.
        sourceUntil: sourceUntil ?? -1n,
        allowExtraTargetStreams: values['allow-extra-target-streams'],
        targetVisibleAt,
      });
    }
    const head = await target.headPosition();
    summary.targetHead = head === undefined ? null : String(head);
    print(summary, values.json);
    return summary.verification && !summary.verification.ok ? EXIT_MISMATCH : 0;
  } finally {
    await Promise.allSettled([source.close(), target.close(), flusher?.close()]);
  }
}

function progressPrinter(): (progress: CopyProgress) => void {
  let last = 0;
  return (progress) => {
    if (progress.elapsedMs - last < PROGRESS_EVERY_MS) return;
    last = progress.elapsedMs;
    const rate = Math.round(progress.events / (progress.elapsedMs / 1000));
    process.stderr.write(
      `  ${progress.events.toLocaleString('en')} events (${progress.appended.toLocaleString('en')} appended), ${rate.toLocaleString('en')} events/s, source position ${progress.position}\n`,
    );
  };
}

function print(summary: Summary, json: boolean): void {
  if (json) return void console.log(JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2));
  const color = process.stdout.isTTY === true;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  const count = (n: number) => n.toLocaleString('en');
  console.log(`${paint('bold', 'events:copy')} ${summary.from} -> ${summary.to}`);
  if (summary.copy) {
    const copy = summary.copy;
    const seconds = (copy.elapsedMs / 1000).toFixed(1);
    console.log(
      `  copied      ${count(copy.events)} events (${count(copy.appended)} appended, ${count(copy.alreadyPresent)} already in the target) in ${seconds} s, ${count(copy.eventsPerSecond)} events/s`,
    );
    console.log(`  resumed     ${copy.resumedFrom === null ? 'no (from the beginning)' : `after source position ${copy.resumedFrom}`}`);
    console.log(`  checkpoint  ${summary.checkpoint} (source position ${copy.position ?? 'none'})`);
    if (copy.aborted) console.log(paint('yellow', '  interrupted: run the same command again to resume'));
    if (summary.heldBack) {
      console.log(paint('yellow', '  the source has newer events not readable yet (a transaction is open on its server): run the same command again'));
    }
  }
  if (summary.targetHead !== undefined) console.log(`  target head ${summary.targetHead ?? 'none (empty)'} (the new store's position of its newest event)`);
  const check = summary.verification;
  if (!check) return;
  const side = (label: string, store: VerifyResult['source']) =>
    console.log(`  ${label}  ${count(store.streams)} streams, ${count(store.events)} events, sha256 ${store.checksum}`);
  console.log(
    `${paint('bold', 'verification')} ${check.ok ? paint('green', 'OK') : paint('red', `FAILED: ${count(check.mismatchCount)} streams differ`)} (${(check.elapsedMs / 1000).toFixed(1)} s)`,
  );
  side('source', check.source);
  side('target', check.target);
  for (const mismatch of check.mismatches) {
    const detail = (label: string, side?: { events: number; lastRevision: string }) => (side ? ` ${label} ${side.events} events to revision ${side.lastRevision}` : '');
    console.log(paint('red', `  ${mismatch.streamId}: ${mismatch.problem}${detail('source', mismatch.source)}${detail('target', mismatch.target)}`));
  }
  if (check.mismatchCount > check.mismatches.length) console.log(paint('red', `  ... and ${count(check.mismatchCount - check.mismatches.length)} more`));
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got ${text}`);
  return value;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as Error).name === 'UnsupportedEventStoreUrlError' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`${(error as Error).message}\n${USAGE}`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    console.error(`events:copy failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_ERROR;
  },
);

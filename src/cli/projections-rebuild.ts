/**
 * `npm run projections:rebuild`: replays every event into fresh read-model
 * tables and swaps them in, while the app keeps serving the old ones.
 * Progress (bar, events/s, ETA) goes to stderr; the summary to stdout.
 *
 * Database: DATABASE_URL, else the embedded server of `npm start` on
 * EMBEDDED_POSTGRES_PORT (started here if the app is not running).
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { AppSettings } from '../config/app-settings';
import { ConfigError, loadConfig } from '../config/config';
import { type RunningEmbeddedPostgres, isPortFree, startEmbeddedPostgres } from '../infrastructure/database/embedded-postgres';
import { migrateDatabase } from '../infrastructure/database/data-source';
import { createEventStore } from '../infrastructure/event-store/event-store.module';
import { ALL_MIGRATIONS } from '../migrations';
import { allReadModels, type RebuildProgress, rebuildReadModels } from '../projections';

const EMBEDDED_DATABASE = 'alexandrite';
const EMBEDDED_CREDENTIALS = 'postgres:alexandrite-embedded';
const BAR_WIDTH = 30;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  let embedded: RunningEmbeddedPostgres | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    if (await isPortFree(config.database.embeddedPort)) {
      embedded = await startEmbeddedPostgres({ dataDir: config.database.embeddedDataDir, port: config.database.embeddedPort, persistent: true, onLog: () => undefined });
      await ensureDatabase(embedded.url, EMBEDDED_DATABASE);
    }
    databaseUrl = `postgres://${EMBEDDED_CREDENTIALS}@127.0.0.1:${config.database.embeddedPort}/${EMBEDDED_DATABASE}`;
  }
  try {
    await assertReachable(databaseUrl);
    await migrateDatabase(databaseUrl, ALL_MIGRATIONS);
    const eventStore = createEventStore(new AppSettings(config, databaseUrl, 'unused-by-the-rebuild-unused-by-the-rebuild', 'unused'));
    try {
      const result = await rebuildReadModels({ connectionString: databaseUrl, eventStore, readModels: allReadModels(), onProgress: progressBar() });
      process.stderr.write('\n');
      console.log(
        `rebuilt ${allReadModels()
          .map((model) => model.name)
          .join(', ')}: ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
          `(${Math.round(result.eventsPerSecond)} events/s), swapped in at position ${String(result.position ?? 'none')}` +
          (result.parked > 0 ? `; ${result.parked} event(s) could not be applied and are parked (GET /api/support/parked-events)` : '') +
          (result.skipped > 0 ? `; ${result.skipped} event(s) left out as support skipped them` : ''),
      );
    } finally {
      await eventStore.close();
    }
  } finally {
    await embedded?.stop();
  }
}

/** A fresh embedded cluster has no app database yet (the app creates it on its first start). */
async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

async function assertReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach the database ${url.replace(/\/\/[^@]*@/, '//***@')}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One redrawn line: [#####-----] 42% 123456 events, 25000 events/s, ETA 4 s. Throttled (10 redraws a second on a terminal, a line every 2 s in a log). */
function progressBar(): (progress: RebuildProgress) => void {
  let drawnAt = 0;
  return (progress) => {
    const now = performance.now();
    if (now - drawnAt < (process.stderr.isTTY ? 100 : 2_000) && progress.position < progress.target) return;
    drawnAt = now;
    // Positions are not dense, but they grow steadily: a fair measure of the share done.
    const share = progress.target <= 0n ? 1 : Math.min(1, Number(progress.position) / Number(progress.target));
    const rate = progress.events / Math.max(progress.elapsedMs / 1000, 1e-3);
    const etaSeconds = share > 0 ? ((progress.elapsedMs / 1000) * (1 - share)) / share : Number.POSITIVE_INFINITY;
    const filled = Math.round(share * BAR_WIDTH);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${progress.events} events, ${Math.round(rate)} events/s, ETA ${Number.isFinite(etaSeconds) ? `${etaSeconds.toFixed(0)} s` : '?'}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});

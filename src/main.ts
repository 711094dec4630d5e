// First: OpenTelemetry must patch http, pg... before anything requires them.
import { stopTracing } from './tracing';
import 'reflect-metadata';
import { Client } from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { createApp } from './app.factory';
import { AppSettings } from './config/app-settings';
import { type AppConfig, ConfigError, loadConfig } from './config/config';
import { resolveSecrets } from './config/dev-secrets';
import { isDatabaseUnavailable } from './infrastructure/database/connection-errors';
import { EmbeddedPostgresError, type RunningEmbeddedPostgres, startEmbeddedPostgres } from './infrastructure/database/embedded-postgres';
import { shutDownGracefully } from './infrastructure/lifecycle/graceful-shutdown';
import { createRootLogger } from './infrastructure/observability/logger';

const EMBEDDED_DATABASE = 'alexandrite';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`alexandrite: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createRootLogger(config).child({ context: 'Bootstrap' });
  let embedded: RunningEmbeddedPostgres | undefined;
  let stopping = false;

  const stopEmbedded = async () => {
    if (!embedded) return;
    const server = embedded;
    embedded = undefined;
    log.info('stopping embedded PostgreSQL');
    await server.stop().catch((error: unknown) => log.error({ err: error }, 'embedded PostgreSQL did not stop cleanly'));
  };

  try {
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({
        dataDir: config.database.embeddedDataDir,
        port: config.database.embeddedPort,
        persistent: true,
        onLog: (line) => log.debug({ postgres: line }),
        onNotice: (message) => log.warn(message),
      });
      databaseUrl = await ensureDatabase(embedded.url, EMBEDDED_DATABASE);
      log.info(`embedded PostgreSQL ready on 127.0.0.1:${embedded.port} (data in ${config.database.embeddedDataDir})`);
    }
    const secrets = resolveSecrets(config);
    if (secrets.generated.length > 0) log.info(`development secrets ${secrets.generated.join(', ')} are kept in ${secrets.file}`);

    const app = await createApp(new AppSettings(config, databaseUrl, secrets.jwtSecret, secrets.carrierWebhookSecret));
    // Graceful shutdown (src/infrastructure/lifecycle); we stop the embedded PostgreSQL after it.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // embedded-postgres (async-exit-hook) registers its own handler on import that exits with 143 as soon as it
      // has stopped its servers, cutting the drain short: this process owns its signals.
      process.removeAllListeners(signal);
      // on, not once: our listener must stay, or a library's signal-exit hook re-raises the signal and kills the drain.
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        const { graceMs, readinessDelayMs } = config.shutdown;
        log.info(`${signal} received, shutting down (grace period ${graceMs} ms)`);
        // Past the grace period the orchestrator would SIGKILL us anyway; exit 1 so it shows as unclean.
        setTimeout(() => {
          log.error(`shutdown did not finish within ${graceMs} ms; exiting anyway`);
          process.exit(1);
        }, graceMs);
        let exitCode = 0;
        void shutDownGracefully(app, { graceMs, readinessDelayMs, logger: { info: (message) => log.info(message), warn: (message) => log.warn(message) } })
          .catch((error: unknown) => {
            exitCode = 1;
            log.error({ err: error }, 'shutdown failed');
          })
          .then(stopEmbedded)
          .then(stopTracing)
          .finally(() => process.exit(exitCode));
      });
    }
    await app.listen({ port: config.http.port, host: config.http.host });
    announce(log, config, app.getHttpServer().address());
  } catch (error) {
    log.fatal({ err: error }, `start-up failed: ${describeStartupFailure(error, config)}`);
    await stopEmbedded();
    process.exit(1);
  }
}

/** What failed, and what to do where we know: never a bare `undefined`. */
function describeStartupFailure(error: unknown, config: AppConfig): string {
  const what =
    error instanceof Error
      ? error.message || error.name
      : error === undefined || error === null
        ? 'no reason was given (a library failed without an error)'
        : JSON.stringify(error);
  if (error instanceof EmbeddedPostgresError) return what;
  if (isDatabaseUnavailable(error)) {
    return config.database.url
      ? `${what}: the PostgreSQL in DATABASE_URL cannot be reached; is it running, and are host, port and credentials right? (Unset DATABASE_URL to use the embedded PostgreSQL.)`
      : `${what}: the embedded PostgreSQL cannot be reached; see the lines above, or move DATA_DIR (${config.dataDir}) aside and start again.`;
  }
  return what;
}

/** The embedded server starts with only `postgres`; the app keeps its data in its own database. */
async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function announce(log: PinoLogger, config: AppConfig, address: unknown): void {
  const port = typeof address === 'object' && address && 'port' in address ? (address as { port: number }).port : config.http.port;
  const host = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const blob = config.blobStorage.adapter === 'minio' ? `MinIO/S3 at ${config.blobStorage.endpoint}` : `filesystem at ${config.blobStorage.rootDir}`;
  const events = config.eventStore.adapter === 'kurrentdb' ? 'KurrentDB (EVENTSTORE_URL)' : 'PostgreSQL (schema event_store)';
  log.info(`listening on http://${host}:${port} (API docs: http://${host}:${port}/docs)`);
  log.info(`adapters: database ${config.database.url ? 'DATABASE_URL' : 'embedded PostgreSQL'}; event store ${events}; blob storage ${blob}`);
  if (config.env !== 'production') {
    log.info('development token: npm run token -- --role customer --sub customer-1   (roles: customer, seller, operator, support, admin)');
  }
}

void main();

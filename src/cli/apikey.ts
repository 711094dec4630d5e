import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppSettings } from '../config/app-settings';
import { type AppConfig, ConfigError, loadConfig } from '../config/config';
import { Database } from '../infrastructure/database/database';
import { createDataSource, runMigrations } from '../infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../migrations';
import { type RunningEmbeddedPostgres, startEmbeddedPostgres } from '../infrastructure/database/embedded-postgres';
import { ApiKeysRepository } from '../modules/partner/api-keys/api-keys.repository';
import { type ApiKeySummary, ApiKeysService } from '../modules/partner/api-keys/api-keys.service';

const USAGE = `usage: npm run apikey -- <command> [options]
  create --name <partner> [--rps <n>] [--burst <n>] [--partner-id <uuid>]
                          create a key; the key is printed once, as the last line
  list                    all keys (without secrets)
  revoke <key id>         revoke a key
Uses DATABASE_URL, or the embedded PostgreSQL of this checkout (running or not).`;

// Same fixed local credentials as src/infrastructure/database/embedded-postgres.ts (127.0.0.1 only).
const EMBEDDED_CREDENTIALS = 'postgres:alexandrite-embedded';
const EMBEDDED_DATABASE = 'alexandrite';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      rps: { type: 'string' },
      burst: { type: 'string' },
      'partner-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, argument] = positionals;
  if (values.help || !command) return void console.log(USAGE);
  if (!['create', 'list', 'revoke'].includes(command)) fail(`unknown command: ${command}\n${USAGE}`);
  const rps = optionalInt(values.rps, '--rps', 1);
  const burst = optionalInt(values.burst, '--burst', 0);
  if (command === 'create' && !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/.test(values.name ?? '')) fail(`create needs --name <partner> (1-80 letters, digits, spaces, . _ -)\n${USAGE}`);
  if (command === 'revoke' && !/^[0-9a-f-]{36}$/i.test(argument ?? '')) fail(`revoke needs the key id (a UUID, see list)\n${USAGE}`);
  const partnerId = values['partner-id'];
  if (partnerId !== undefined && !/^[0-9a-f-]{36}$/i.test(partnerId)) fail('--partner-id must be a UUID');

  const config = loadConfig(process.env);
  const database = await openDatabase(config);
  const dataSource = createDataSource({ url: database.url, poolSize: 2, applicationName: 'alexandrite-apikey-cli', migrations: ALL_MIGRATIONS });
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    const service = new ApiKeysService(new ApiKeysRepository(Database.onPrimary(dataSource)), new AppSettings(config, database.url, '', ''));
    if (command === 'create') {
      const created = await service.create({ name: values.name as string, rps, burst, ...(partnerId ? { partnerId } : {}) });
      console.error(`${describe(created)}\nthe key is shown only now; send it as the X-Api-Key header:`);
      console.log(created.key);
    } else if (command === 'list') {
      const keys = await service.list();
      console.log(keys.length === 0 ? 'no API keys' : keys.map(describe).join('\n'));
    } else {
      const revoked = await service.revoke(argument as string);
      if (!revoked) fail(`no API key with id ${argument}`);
      console.log(describe(revoked));
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop?.();
  }
}

/** DATABASE_URL; else the embedded server `npm start` is running; else the embedded server started for this command. */
async function openDatabase(config: AppConfig): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (config.database.url) return { url: config.database.url };
  const pidFile = join(config.database.embeddedDataDir, 'postmaster.pid');
  let embedded: RunningEmbeddedPostgres | undefined;
  let serverUrl: string;
  if (existsSync(pidFile)) {
    // Line 4 of postmaster.pid is the port of the running server.
    const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
    serverUrl = `postgres://${EMBEDDED_CREDENTIALS}@127.0.0.1:${port}/postgres`;
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: config.database.embeddedDataDir, port: config.database.embeddedPort, persistent: true });
    serverUrl = embedded.url;
  }
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${EMBEDDED_DATABASE}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${EMBEDDED_DATABASE}`;
  return { url: url.toString(), ...(embedded ? { stop: () => embedded.stop() } : {}) };
}

function describe(key: ApiKeySummary): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
  return `${key.id}  partner=${key.name} (${key.partnerId})  prefix=${key.prefix}  rps=${key.rps} burst=${key.burst}  ${state}`;
}

function optionalInt(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > 100_000) fail(`${name} must be an integer from ${min} to 100000`);
  return number;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

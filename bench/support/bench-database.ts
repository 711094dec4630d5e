import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrateDatabase } from '../../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../../src/migrations';
import { startEmbeddedPostgres } from '../../src/infrastructure/database/embedded-postgres';

export interface BenchServer {
  url: string;
  /** 'DATABASE_URL' or 'embedded', for the report. */
  label: string;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The server a benchmark runs on: DATABASE_URL when set, else a throw-away embedded PostgreSQL. */
export async function startBenchServer(): Promise<BenchServer> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, label: 'DATABASE_URL', stop: async () => undefined };
  const parent = await mkdtemp(join(tmpdir(), 'alexandrite-bench-pg-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach the directory.
  await chmod(parent, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(parent, 'data'), port: 0, persistent: false });
  return {
    url: server.url,
    label: 'embedded',
    stop: async () => {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** A fresh database per run (`bench_<name>_<random>`), migrated unless the app under test migrates it itself. */
export async function createBenchDatabase(serverUrl: string, name: string, options: { migrate: boolean }): Promise<BenchDatabase> {
  const database = `bench_${name}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (options.migrate) await migrateDatabase(url.toString(), ALL_MIGRATIONS);
  return {
    url: url.toString(),
    drop: () => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).then(() => undefined),
  };
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

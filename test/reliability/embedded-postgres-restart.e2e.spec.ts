import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/infrastructure/database/embedded-postgres';
import { type AppProcess, spawnBuiltApp } from '../support/pricing-process';
import { until } from '../support/until';

const ROOT = join(__dirname, '..', '..');

/**
 * The embedded default after its own crash (issue 24, item 17): the app's
 * process killed alone (SIGKILL, the out-of-memory killer) leaves its
 * PostgreSQL running. The next start must find that orphan through its
 * postmaster.pid and come up, without touching a server another running app
 * still owns, nor a program that took the PID of a stale lock file; and a
 * start-up failure must say what failed, never `undefined`.
 * The built app runs as a child process with no DATABASE_URL, as `npm start`.
 */
describe('embedded PostgreSQL across a crash of the app', () => {
  const children: AppProcess[] = [];
  const dataDirs: string[] = [];

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', '.bin', 'swc'), 'src', 'bench', '-d', 'dist', '--copy-files', '--quiet'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);
  afterAll(async () => {
    for (const child of children) {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGKILL');
        await child.exited;
      }
    }
    // Whatever PostgreSQL is still running on a test's data directory is ours to stop.
    for (const dataDir of dataDirs) {
      const pid = postmasterPid(dataDir);
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, 'SIGQUIT');
        await until(async () => (isAlive(pid) ? undefined : true), `PostgreSQL ${pid} to stop`, { timeoutMs: 15_000, intervalMs: 100 }).catch(() => process.kill(pid, 'SIGKILL'));
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  async function newDataDir(): Promise<string> {
    const dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-orphan-'));
    // As root, PostgreSQL runs as the `postgres` user, which must reach its cluster inside.
    await chmod(dataDir, 0o755);
    dataDirs.push(dataDir);
    return dataDir;
  }

  async function start(dataDir: string, embeddedPort: number): Promise<{ app: AppProcess; baseUrl: string }> {
    const port = await findFreePort();
    const app = spawnBuiltApp({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(embeddedPort), METRICS_PORT: '0', PRICING_WORKER_ENABLED: 'false' });
    children.push(app);
    return { app, baseUrl: `http://127.0.0.1:${port}` };
  }

  async function ready(baseUrl: string, app: AppProcess, what: string): Promise<void> {
    await until(
      async () => {
        if (app.child.exitCode !== null) throw new Error(`${what}: the app exited with ${app.child.exitCode}:\n${app.output().slice(-4000)}`);
        const response = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      what,
      { timeoutMs: 120_000, intervalMs: 100, diagnostics: app.output },
    );
  }

  it('comes up after the app alone was SIGKILLed, stopping the orphaned PostgreSQL; a second app on the same DATA_DIR is refused with a reason; a stale lock file is cleared', async () => {
    const dataDir = await newDataDir();
    const embeddedPort = await findFreePort();
    const first = await start(dataDir, embeddedPort);
    await ready(first.baseUrl, first.app, 'the first start');
    const orphan = postmasterPid(dataDir);
    expect(orphan).toBeDefined();

    first.app.child.kill('SIGKILL');
    await first.app.exited;
    // What the crash leaves: PostgreSQL still running, its lock file in place.
    expect(isAlive(orphan!)).toBe(true);

    const second = await start(dataDir, embeddedPort);
    await ready(second.baseUrl, second.app, 'the start after the crash');
    expect(isAlive(orphan!)).toBe(false);
    expect(second.app.output()).toMatch(new RegExp(`PostgreSQL.*${orphan}.*(orphan|left running)`, 'i'));
    expect(second.app.output()).not.toMatch(/\bundefined\b/);
    const owned = postmasterPid(dataDir);
    expect(owned).toBeDefined();

    // A server an app still runs is not an orphan: a second app on this DATA_DIR must leave it alone and say why.
    const third = await start(dataDir, embeddedPort);
    const exitCode = await third.app.exited;
    expect(exitCode).toBe(1);
    expect(third.app.output()).toMatch(new RegExp(`in use by .*${second.app.child.pid}`));
    expect(third.app.output()).toMatch(/DATA_DIR/);
    expect(third.app.output()).not.toMatch(/\bundefined\b/);
    expect(isAlive(owned!)).toBe(true);
    expect((await fetch(`${second.baseUrl}/health/ready`)).status).toBe(200);

    // A clean stop takes its PostgreSQL along.
    second.app.child.kill('SIGTERM');
    expect(await second.app.exited).toBe(0);
    await until(async () => (isAlive(owned!) ? undefined : true), 'PostgreSQL to stop with the app', { timeoutMs: 15_000, intervalMs: 100 });

    // After a reboot the PID of a lock file left behind may be another program's (PostgreSQL alone would refuse to start).
    const lockFile = join(dataDir, 'postgres', 'postmaster.pid');
    // Run by PostgreSQL's own user (as root, `postgres`): a PID it may not signal, it would take for stale by itself.
    const asPostgresUser =
      process.getuid?.() === 0
        ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) }
        : {};
    const stranger = spawn('sleep', ['120'], { stdio: 'ignore', ...asPostgresUser });
    try {
      await writeFile(lockFile, `${stranger.pid}\n${join(dataDir, 'postgres')}\n1700000000\n${embeddedPort}\n/tmp\n127.0.0.1\n 0 0\nready\n`);
      const fourth = await start(dataDir, embeddedPort);
      await ready(fourth.baseUrl, fourth.app, 'the start over a stale lock file');
      expect(fourth.app.output()).toContain(`removed the stale ${lockFile}`);
      expect(isAlive(stranger.pid!)).toBe(true);
      fourth.app.child.kill('SIGTERM');
      expect(await fourth.app.exited).toBe(0);
    } finally {
      stranger.kill('SIGKILL');
    }
  }, 300_000);

  it('a start-up failure names what failed and what to do, never `undefined`', async () => {
    const dataDir = await newDataDir();
    // A cluster directory PostgreSQL cannot use (not initialised by it, owned by root).
    await mkdir(join(dataDir, 'postgres'), { recursive: true });
    await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), '17\n');
    const broken = await start(dataDir, await findFreePort());
    expect(await broken.app.exited).toBe(1);
    const output = broken.app.output();
    expect(output).not.toMatch(/\bundefined\b/);
    expect(output).toMatch(/start-up failed: embedded PostgreSQL .* did not start/);
    expect(output).toContain(join(dataDir, 'postgres'));
  }, 120_000);
});

/** The PID in line 1 of the cluster's postmaster.pid, while there is one. */
function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

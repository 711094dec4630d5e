import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/infrastructure/database/embedded-postgres';
import { createTestDatabase, type TestDatabase } from './test-database';
import { until } from './until';

export interface AppProcess {
  baseUrl: string;
  database: TestDatabase;
  /** Everything the process wrote to stdout and stderr so far (across restarts). */
  output(): string;
  /** SIGKILL, as in a crash: no request finishes, nothing is flushed; resolves once the process is gone. */
  kill(): Promise<void>;
  /** A new process on the same database, data directory and port (after kill()); resolves when it is ready. */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The app as its own process (`src/main.ts` from sources), for tests that
 * need what only a whole process shows: its real log output, or a crash.
 */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const database = await createTestDatabase('proc');
  const dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-proc-'));
  const port = await findFreePort();
  const root = join(__dirname, '..', '..');
  const chunks: string[] = [];
  const baseUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess;

  const spawnChild = (extraEnv: Record<string, string>) => {
    child = spawn(process.execPath, ['-r', join(__dirname, 'ts-register.js'), join(root, 'src', 'main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: '0',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        // One customer token drives many orders quickly; the per-user limit has its own test (user-limits).
        USER_COMMAND_RPS: '100000',
        ...env,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  };
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (!running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const stop = async () => {
    if (running()) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      await kill();
    }
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const waitUntilReady = async () => {
    try {
      await until(
        async () => {
          if (!running()) throw new Error(`the app exited with ${child.exitCode ?? child.signalCode}:\n${chunks.join('').slice(-4000)}`);
          return fetch(`${baseUrl}/health/ready`).then(
            (response) => response.ok,
            () => false,
          );
        },
        'the app to be ready',
        { timeoutMs: 60_000, intervalMs: 250, diagnostics: () => chunks.join('') },
      );
    } catch (error) {
      await stop();
      throw error;
    }
  };

  spawnChild({});
  await waitUntilReady();
  return {
    baseUrl,
    database,
    output: () => chunks.join(''),
    kill,
    restart: async (extraEnv = {}) => {
      await kill();
      spawnChild(extraEnv);
      await waitUntilReady();
    },
    stop,
  };
}

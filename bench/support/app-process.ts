import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The built app (`dist/src/main.js`) as its own process, so that a bench's
 * load generator does not share its event loop; resolves once /health/ready
 * answers 200. `env` comes on top of this process's environment and a
 * development configuration on 127.0.0.1:`port`.
 */
export async function startBenchApp(options: { port: number; env: Record<string, string>; readyWithinMs?: number }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', join(__dirname, '..', '..', 'src', 'main.js')], {
    env: { ...process.env, NODE_ENV: 'development', PORT: String(options.port), METRICS_PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', ...options.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const readyWithinMs = options.readyWithinMs ?? 60_000;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${options.port}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not become ready within ${readyWithinMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; returns at once when the app has already exited (or died). */
export async function stopBenchApp(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownState } from './shutdown-state';

export interface ShutdownLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface GracefulShutdownOptions {
  graceMs: number;
  /** Readiness is false this long before the listener closes. */
  readinessDelayMs: number;
  logger: ShutdownLogger;
}

/** Share of the grace period in-flight HTTP requests get; the rest is for pricing, the projector and the pools. */
const HTTP_DRAIN_SHARE = 0.4;

/**
 * The order of a clean stop:
 * 1. readiness turns false (and stays so for `readinessDelayMs`, so load
 *    balancers stop routing here while we still answer);
 * 2. the listener closes: no new connections, requests on kept-alive ones get
 *    503, in-flight requests finish (bounded; then their connections are cut);
 * 3. Nest's destroy hooks: the pricing workers finish their jobs or hand them
 *    back to the queue, the projector releases its leader lock, subscriptions
 *    stop; then the shutdown hooks close the pools.
 * The caller enforces the grace period as a whole (process.exit).
 */
export async function shutDownGracefully(app: NestFastifyApplication, options: GracefulShutdownOptions): Promise<void> {
  const started = Date.now();
  app.get(ShutdownState).begin(options.graceMs);
  if (options.readinessDelayMs > 0) {
    options.logger.info(`readiness is false; closing the listener in ${options.readinessDelayMs} ms`);
    await sleep(options.readinessDelayMs);
  }
  await drainHttp(app, Math.max(1_000, Math.round(options.graceMs * HTTP_DRAIN_SHARE) - options.readinessDelayMs), options.logger);
  options.logger.info(`HTTP drained after ${Date.now() - started} ms; stopping workers, projector and pools`);
  await app.close();
  options.logger.info(`shut down cleanly in ${Date.now() - started} ms`);
}

async function drainHttp(app: NestFastifyApplication, boundMs: number, logger: ShutdownLogger): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const closed = fastify.close();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), boundMs);
    }),
  ]);
  clearTimeout(timer);
  if (!timedOut) return;
  // Long-lived streams (SSE) and stalled uploads: the client reconnects to another replica.
  logger.warn(`requests still open after ${boundMs} ms; closing their connections`);
  fastify.server.closeAllConnections();
  await closed;
}

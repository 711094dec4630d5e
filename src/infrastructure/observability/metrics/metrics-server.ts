import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { register } from 'prom-client';
import { AppSettings } from '../../../config/app-settings';
import { BusinessMetrics } from './business-metrics';
import { shortLived } from '../../concurrency/short-lived-result';

/** A scrape within this long of the last collection gets the same text: 16 scrapers cost one collection a second. */
export const METRICS_CACHE_MS = 1_000;

/**
 * GET /metrics on a listener of its own (METRICS_PORT, default 9464), never
 * on the public one: order volumes and the replica's load are for
 * Prometheus inside the cluster, and scrapes never compete with customers
 * for the public listener's in-flight slots. A plain node:http server: no
 * auth, rate limit, shedding or logging applies or is wanted here.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;
  /** At most one collection at a time, and none again within METRICS_CACHE_MS of the last one's start. */
  private readonly collect = shortLived(METRICS_CACHE_MS, async () => {
    await this.business.refresh();
    return register.metrics();
  });

  constructor(
    private readonly settings: AppSettings,
    private readonly business: BusinessMetrics,
  ) {}

  /** Where Prometheus scrapes, once listening (tests read the port picked for METRICS_PORT=0). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the metrics listener is not started');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}/metrics`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((request, response) => void this.answer(request, response));
    const { port, host } = this.settings.config.metrics;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`metrics listener: cannot listen on ${host}:${port} (${error.code ?? error.message}); set METRICS_PORT to a free port`, { cause: error });
    });
    this.server = server;
    this.logger.log(`metrics on ${this.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    try {
      const text = await this.collect();
      response.writeHead(200, { 'content-type': register.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text);
    } catch (error) {
      this.logger.error({ err: error }, 'metrics collection failed');
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n');
    }
  }
}

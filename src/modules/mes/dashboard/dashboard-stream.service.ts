import type { ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import { ApiError } from '../../../infrastructure/http/api-error';
import { ShutdownState } from '../../../infrastructure/lifecycle/shutdown-state';
import { rateLimitRejections } from '../../../infrastructure/observability/metrics/rate-limit-metrics';
import { gauge } from '../../../infrastructure/observability/metrics/registry';
import { OrderChangeFeed } from '../../../projections';
import { type DashboardItem, MesDashboardRepository } from './mes-dashboard.repository';

/** More changes than this since a client's Last-Event-ID: it gets `reset` and reloads the list instead. */
const REPLAY_LIMIT = 1_000;
/** Rows fetched per query when fanning out live changes. */
const FAN_OUT_BATCH = 500;
const HEARTBEAT_MS = 15_000;
/** A client that does not read what it is sent is dropped beyond this; it reconnects with its Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1_000_000;
/** Told to a client over a stream cap: streams free up only when someone disconnects, so not too eagerly. */
const STREAMS_RETRY_AFTER_S = 10;

/** Open live streams of this process (reserved ones included), against MES_STREAMS_MAX per replica. */
const openStreams = gauge('alexandrite_mes_streams_open', 'Live dashboard streams (server-sent events) open on this process', []);

interface StreamClient {
  response: ServerResponse;
  /** Position of the newest change this client has (its Last-Event-ID). */
  cursor: bigint;
  /** Live changes held back while the client's replay runs; null once live. */
  held: DashboardItem[] | null;
}

/**
 * Server-sent events of order changes for the operators' dashboards, one
 * per connected client, fed from ONE shared LISTEN connection per process
 * (OrderChangeFeed): on each committed projector batch, one query fetches
 * the orders changed since the last fan-out and every client gets those it
 * has not seen. Events:
 *
 *   id: <position>  event: order   data: <dashboard item>   an order changed
 *                   event: counts  data: {STATUS: n, ...}   after each burst of changes
 *   id: <position>  event: hello   data: {position}         start of a stream without Last-Event-ID
 *   id: <position>  event: reset   data: {reason}           too much changed while away: reload the list
 *   : ping                                                  heartbeat every 15 s
 *
 * A client reconnecting with `Last-Event-ID` first gets every order that
 * changed after that position (its current row), then the live changes.
 *
 * Each stream holds a connection and a share of every fan-out: an operator
 * may hold MES_STREAMS_PER_USER of them, the replica MES_STREAMS_MAX in all
 * (reserve() answers 429 TOO_MANY_STREAMS beyond); the gauge
 * alexandrite_mes_streams_open counts them.
 */
@Injectable()
export class DashboardStreamService implements OnModuleDestroy {
  private readonly logger = new Logger('DashboardStream');
  private readonly clients = new Set<StreamClient>();
  private started: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Position up to which changes have been fanned out. */
  private fannedOut = -1n;
  /** Changes were notified while nobody listened: re-read the position before the next fan-out. */
  private stale = false;
  private pumping = false;
  private again = false;
  private closed = false;
  /** Streams reserved or open, per operator (`sub`) and in all. */
  private readonly perUser = new Map<string, number>();
  private reserved = 0;
  private readonly caps: { perUser: number; max: number };

  constructor(
    private readonly repository: MesDashboardRepository,
    private readonly feed: OrderChangeFeed,
    settings: AppSettings,
    @Optional() shutdown?: ShutdownState,
  ) {
    this.caps = settings.config.mesStreams;
    // Open streams would hold the graceful shutdown's HTTP drain; end them first (clients reconnect elsewhere).
    shutdown?.onStopping(() => void this.onModuleDestroy());
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * A place for one more stream of `userId`, or 429 TOO_MANY_STREAMS (an
   * ApiError: call it before taking the response from the framework). The
   * answer frees the place; calling it again does nothing.
   */
  reserve(userId: string): () => void {
    const mine = this.perUser.get(userId) ?? 0;
    const over =
      mine >= this.caps.perUser
        ? `you already have ${mine} live streams open, the most one user may (MES_STREAMS_PER_USER); close one (another tab?) and retry`
        : this.reserved >= this.caps.max
          ? `this replica already serves ${this.reserved} live streams, its most (MES_STREAMS_MAX); retry shortly`
          : undefined;
    if (over !== undefined) {
      rateLimitRejections.inc({ scope: 'mes-stream', api_key_id: 'anonymous' });
      throw new ApiError(
        429,
        'TOO_MANY_STREAMS',
        over,
        { perUser: this.caps.perUser, max: this.caps.max, retryAfterSeconds: STREAMS_RETRY_AFTER_S },
        { 'retry-after': String(STREAMS_RETRY_AFTER_S) },
      );
    }
    this.perUser.set(userId, mine + 1);
    this.reserved++;
    openStreams.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
      this.reserved--;
      openStreams.dec();
    };
  }

  /** Takes over `response` (already hijacked from the framework) until the client goes away; then calls `release` (from reserve()). */
  async open(response: ServerResponse, lastEventId: bigint | undefined, release: () => void = () => undefined): Promise<void> {
    // Whatever happens next (refused, failed, ended by either side), the place is freed when the response closes.
    response.once('close', release);
    if (response.destroyed) release();
    if (this.closed) {
      response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
      response.end(JSON.stringify({ code: 'SHUTTING_DOWN', message: 'this replica is shutting down; reconnect' }));
      return;
    }
    try {
      await this.start();
    } catch (error) {
      // The response is already taken from the framework: answer the error here, as the exception filter would.
      this.logger.warn(`SSE stream unavailable: ${String(error)}`);
      response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
      response.end(JSON.stringify({ code: 'STREAM_UNAVAILABLE', message: 'the change stream is unavailable; retry shortly' }));
      return;
    }
    if (this.stale) {
      this.stale = false;
      this.fannedOut = await this.repository.latestChange();
    }
    const client: StreamClient = { response, cursor: -1n, held: [] };
    this.clients.add(client);
    response.on('close', () => this.clients.delete(client));
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    try {
      if (lastEventId === undefined) {
        client.cursor = await this.repository.latestChange();
        this.send(client, 'hello', { position: String(client.cursor) }, client.cursor);
      } else {
        client.cursor = lastEventId;
        const missed = await this.repository.changesSince(lastEventId, REPLAY_LIMIT + 1);
        if (missed.length > REPLAY_LIMIT) {
          client.cursor = await this.repository.latestChange();
          this.send(client, 'reset', { reason: 'too many changes since Last-Event-ID; reload the list', position: String(client.cursor) }, client.cursor);
        } else {
          for (const item of missed) this.deliver(client, item, true);
        }
      }
      const held = client.held ?? [];
      client.held = null;
      for (const item of held) this.deliver(client, item);
      this.send(client, 'counts', await this.repository.counts());
    } catch (error) {
      this.logger.warn(`SSE stream start failed: ${String(error)}`);
      this.drop(client);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const client of [...this.clients]) this.drop(client);
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.unsubscribe = this.feed.subscribe(() => this.schedule());
      await this.feed.ready();
      this.fannedOut = await this.repository.latestChange();
      this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), HEARTBEAT_MS);
      this.heartbeat.unref();
    })().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.clients.size === 0) {
      this.stale = true;
      return;
    }
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Fans out everything changed since the last fan-out, then the counts; loops while notifications keep coming. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        let changed = 0;
        for (;;) {
          const items = await this.repository.changesSince(this.fannedOut, FAN_OUT_BATCH);
          for (const item of items) {
            // One frame per change, written to every client (not serialized once per client).
            const frame = this.clients.size > 0 ? sseFrame('order', item, BigInt(item.position)) : undefined;
            for (const client of this.clients) this.deliver(client, item, false, frame);
            this.fannedOut = BigInt(item.position);
          }
          changed += items.length;
          if (items.length < FAN_OUT_BATCH) break;
        }
        if (changed > 0 && this.clients.size > 0) {
          const frame = sseFrame('counts', await this.repository.counts());
          for (const client of this.clients) if (client.held === null) this.write(client, frame);
        }
      } while (this.again && !this.closed);
    } catch (error) {
      this.logger.warn(`SSE fan-out failed, retrying: ${String(error)}`);
      setTimeout(() => this.schedule(), 1_000).unref();
    } finally {
      this.pumping = false;
    }
  }

  /** `frame`: the item's frame when the caller built it once for many clients. */
  private deliver(client: StreamClient, item: DashboardItem, replay = false, frame?: string): void {
    if (client.held !== null && !replay) {
      client.held.push(item);
      return;
    }
    const position = BigInt(item.position);
    if (position <= client.cursor) return;
    client.cursor = position;
    this.write(client, frame ?? sseFrame('order', item, position));
  }

  private send(client: StreamClient, event: string, data: unknown, id?: bigint): void {
    this.write(client, sseFrame(event, data, id));
  }

  private broadcast(chunk: string): void {
    for (const client of this.clients) this.write(client, chunk);
  }

  private write(client: StreamClient, chunk: string): void {
    if (client.response.writableEnded || client.response.destroyed) {
      this.clients.delete(client);
      return;
    }
    client.response.write(chunk);
    if (client.response.writableLength > MAX_BUFFERED_BYTES) this.drop(client);
  }

  private drop(client: StreamClient): void {
    this.clients.delete(client);
    if (!client.response.writableEnded) client.response.end();
  }
}

/** One server-sent event: `id` (the change's position) when given, the event's name, its data as JSON. */
function sseFrame(event: string, data: unknown, id?: bigint): string {
  const head = id === undefined ? '' : `id: ${id < 0n ? 0 : id}\n`;
  return `${head}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

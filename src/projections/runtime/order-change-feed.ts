import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { AppSettings } from '../../config/app-settings';
import { ORDERS_CHANGED_CHANNEL } from './checkpoint.queries';

/**
 * `position`: the last position of a batch just committed by the leader
 * (on any replica). `undefined`: the connection was (re)established and
 * notifications may have been missed; look for yourself.
 */
export type OrderChangeListener = (position: bigint | undefined) => void;

const FIRST_RECONNECT_DELAY_MS = 100;
const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * One LISTEN connection per process on `orders_changed`, shared by every
 * consumer (the SSE streams of all connected operators). Started on the
 * first subscriber, kept until the app stops. The leader NOTIFYs inside
 * each batch transaction, so every replica hears of every committed batch.
 */
@Injectable()
export class OrderChangeFeed {
  private readonly logger = new Logger('OrderChangeFeed');
  private readonly listeners = new Set<OrderChangeListener>();
  private readonly closing = new AbortController();
  private loop: Promise<void> | undefined;
  private client: Client | undefined;
  private readyWaiters: Array<() => void> = [];
  private connected = false;

  constructor(@Inject(AppSettings) private readonly settings: AppSettings) {}

  /** Registers a listener (starting the LISTEN connection if needed); returns its remover. */
  subscribe(listener: OrderChangeListener): () => void {
    this.listeners.add(listener);
    this.loop ??= this.maintain();
    return () => this.listeners.delete(listener);
  }

  /** True while the LISTEN connection is up: every committed batch is being heard of. */
  get listening(): boolean {
    return this.connected;
  }

  /** Resolves once the LISTEN is in place, so nothing committed after this call goes unheard. */
  ready(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.client?.end().catch(() => undefined);
    await this.loop;
    this.listeners.clear();
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private emit(position: bigint | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(position);
      } catch (error) {
        this.logger.warn(`order change listener failed: ${String(error)}`);
      }
    }
  }

  private async maintain(): Promise<void> {
    let delay = FIRST_RECONNECT_DELAY_MS;
    while (!this.closing.signal.aborted) {
      try {
        const { ended } = await this.connect();
        delay = FIRST_RECONNECT_DELAY_MS;
        this.connected = true;
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        this.emit(undefined);
        await ended;
      } catch (error) {
        if (!this.closing.signal.aborted) this.logger.warn(`LISTEN ${ORDERS_CHANGED_CHANNEL} failed: ${String(error)}`);
      }
      this.connected = false;
      this.client = undefined;
      if (this.closing.signal.aborted) return;
      await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
    }
  }

  /** Wrapped in an object: an async function returning a bare promise would wait for it (the connection's end). */
  private async connect(): Promise<{ ended: Promise<void> }> {
    const client = new Client({
      connectionString: this.settings.databaseUrl,
      application_name: 'alexandrite-orders-changed-listen',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    const ended = new Promise<void>((resolve, reject) => {
      client.once('end', resolve);
      client.once('error', reject);
    });
    ended.catch(() => undefined);
    client.on('error', () => undefined);
    client.on('notification', (message) => this.emit(parsePosition(message.payload)));
    this.client = client;
    try {
      await client.connect();
      if (this.closing.signal.aborted) throw new Error('closed');
      await client.query(`LISTEN ${ORDERS_CHANGED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { ended: ended.finally(() => client.end().catch(() => undefined)) };
  }
}

function parsePosition(payload: string | undefined): bigint | undefined {
  try {
    const position = (JSON.parse(payload ?? '') as { position?: unknown }).position;
    return typeof position === 'string' && /^\d{1,20}$/.test(position) ? BigInt(position) : undefined;
  } catch {
    return undefined;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { LISTEN } from './queries';

export interface ListenerLogger {
  warn(message: string): void;
}

const FIRST_RECONNECT_DELAY_MS = 100;
const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * One LISTEN connection per store, shared by its subscriptions. A
 * notification only says "something was appended": subscribers poll for what
 * it is, so a lost notification costs latency, never an event. That is also
 * why every (re)connect wakes every subscriber: appends committed while the
 * connection was down notified nobody.
 *
 * Started on the first `add`, kept until `close` (subscriptions come and go,
 * e.g. one per SSE client, and a reconnect per subscription would be waste).
 */
export class NotificationListener {
  private readonly wakers = new Set<() => void>();
  private readonly closing = new AbortController();
  private loop: Promise<void> | undefined;
  private client: Client | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly logger: ListenerLogger,
  ) {}

  /** Calls `wake` on every notification and after every (re)connect; returns the remover. */
  add(wake: () => void): () => void {
    this.wakers.add(wake);
    this.loop ??= this.maintainConnection();
    return () => this.wakers.delete(wake);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.client?.end().catch(() => undefined);
    await this.loop;
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  private async maintainConnection(): Promise<void> {
    let delay = FIRST_RECONNECT_DELAY_MS;
    while (!this.closing.signal.aborted) {
      try {
        const { ended } = await this.connect();
        delay = FIRST_RECONNECT_DELAY_MS;
        this.wakeAll();
        await ended;
      } catch (error) {
        if (!this.closing.signal.aborted) this.logger.warn(`event store LISTEN connection failed: ${String(error)}`);
      }
      this.client = undefined;
      if (this.closing.signal.aborted) return;
      // Appends may have committed while we were not listening.
      this.wakeAll();
      await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
    }
  }

  /** Connects and LISTENs; `ended` settles when the connection is gone. */
  private async connect(): Promise<{ ended: Promise<void> }> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: 'alexandrite-event-store-listen',
      // Notice a silently dead peer (the connection only ever reads).
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    const ended = new Promise<void>((resolve, reject) => {
      client.once('end', resolve);
      client.once('error', reject);
    });
    // Until the caller awaits it, a failure here must not count as unhandled.
    ended.catch(() => undefined);
    this.client = client;
    client.on('notification', () => this.wakeAll());
    try {
      await client.connect();
      if (this.closing.signal.aborted) throw new Error('closed');
      await client.query(LISTEN);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { ended: ended.finally(() => client.end().catch(() => undefined)) };
  }
}

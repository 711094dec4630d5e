import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { boxStl } from './stl';
import { call, type CallResult } from './replica';

/** A command the platform acknowledged (2xx): the event it must have left at `revision`. */
export interface AcknowledgedCommand {
  orderId: string;
  command: string;
  eventType: string;
  revision: number | undefined;
  /** Date.now() when the acknowledgement arrived. */
  at: number;
  /** Date.now() when the command was first sent (before any retry). */
  sentAt: number;
}

export interface WorkloadStats {
  commands: number;
  reads: number;
  /** Attempts that failed and were retried (refused connection, 503, in progress). */
  retried: number;
  /** Logical commands given up after every retry. */
  abandoned: number;
  byStatus: Record<string, number>;
}

export interface WorkloadTokens {
  customer: string;
  seller: string;
  operator: string;
}

const STEPS = [
  { command: 'approve', path: 'crm', role: 'seller', eventType: 'ManufacturingApproved' },
  { command: 'start', path: 'mes', role: 'operator', eventType: 'ManufacturingStarted' },
  { command: 'complete', path: 'mes', role: 'operator', eventType: 'ManufacturingCompleted' },
  { command: 'package', path: 'mes', role: 'operator', eventType: 'PackagingStarted' },
  { command: 'ship', path: 'mes', role: 'operator', eventType: 'OrderShipped' },
  { command: 'close', path: 'crm', role: 'seller', eventType: 'OrderClosed' },
] as const;

/** How long one logical command keeps retrying across replicas (covers a kill and a database restart). */
const COMMAND_PATIENCE_MS = 60_000;

/**
 * Virtual users that each walk orders through the whole lifecycle (every
 * sixth is cancelled after upload instead), with dashboard reads in
 * between, against whichever replica answers. Every POST carries an
 * Idempotency-Key that its retries reuse; only 2xx answers are recorded.
 */
export class Workload {
  readonly acknowledged: AcknowledgedCommand[] = [];
  readonly orders = new Set<string>();
  readonly stats: WorkloadStats = { commands: 0, reads: 0, retried: 0, abandoned: 0, byStatus: {} };
  private running = false;
  private users: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly replicas: () => string[],
    private readonly tokens: WorkloadTokens,
  ) {}

  start(virtualUsers: number): void {
    this.running = true;
    this.users = Array.from({ length: virtualUsers }, (_, index) => this.user(index));
  }

  /** Stops starting new orders; resolves when every user has finished (or given up) its current one. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.users);
  }

  private baseUrl(): string {
    const urls = this.replicas();
    return urls[this.next++ % urls.length]!;
  }

  private count(result: CallResult): void {
    const key = String(result.status);
    this.stats.byStatus[key] = (this.stats.byStatus[key] ?? 0) + 1;
  }

  /** One logical command: retried on another replica while the answer says "not now"; undefined when given up. */
  private async command(method: string, path: string, token: string, options: { json?: unknown; body?: Buffer } = {}): Promise<(CallResult & { sentAt: number }) | undefined> {
    const key = randomUUID();
    const sentAt = Date.now();
    const deadline = Date.now() + COMMAND_PATIENCE_MS;
    for (;;) {
      const headers = method === 'POST' ? { 'idempotency-key': key } : undefined;
      const result = await call(this.baseUrl(), method, path, { token, ...options, ...(headers ? { headers } : {}) });
      this.count(result);
      this.stats.commands += 1;
      const code = (result.body as { code?: string } | undefined)?.code;
      const retryable = result.status === 0 || result.status >= 500 || code === 'IDEMPOTENT_REQUEST_IN_PROGRESS';
      if (!retryable) return { ...result, sentAt };
      if (Date.now() > deadline) {
        this.stats.abandoned += 1;
        return undefined;
      }
      this.stats.retried += 1;
      await sleep(250);
    }
  }

  private record(orderId: string, command: string, eventType: string, result: (CallResult & { sentAt: number }) | undefined): boolean {
    if (!result || result.status < 200 || result.status >= 300) return false;
    const revision = (result.body as { revision?: unknown } | undefined)?.revision;
    this.acknowledged.push({ orderId, command, eventType, revision: typeof revision === 'number' ? revision : undefined, at: Date.now(), sentAt: result.sentAt });
    return true;
  }

  private async read(): Promise<void> {
    const which = this.stats.reads % 2 === 0 ? ['/api/mes/orders?limit=20', this.tokens.operator] : ['/api/crm/orders?limit=20', this.tokens.seller];
    this.count(await call(this.baseUrl(), 'GET', which[0]!, { token: which[1]! }));
    this.stats.reads += 1;
  }

  private async user(index: number): Promise<void> {
    let round = 0;
    while (this.running) {
      round += 1;
      await this.walkOneOrder(index * 1_000 + round).catch(() => undefined);
    }
  }

  private async walkOneOrder(seq: number): Promise<void> {
    const { customer, seller, operator } = this.tokens;
    const created = await this.command('POST', '/api/shop/orders', customer, { json: { material: 'GOLD_585' } });
    const orderId = (created?.body as { id?: string } | undefined)?.id;
    if (!orderId || !this.record(orderId, 'create', 'OrderInitiated', created)) return;
    this.orders.add(orderId);
    if (!this.record(orderId, 'upload', 'ModelUploaded', await this.command('PUT', `/api/shop/orders/${orderId}/model`, customer, { body: boxStl(10 + (seq % 5), 8, 3) }))) return;
    await this.read();
    if (seq % 6 === 0) {
      this.record(orderId, 'cancel', 'OrderCancelled', await this.command('POST', `/api/shop/orders/${orderId}/cancel`, customer, { json: { reason: 'changed my mind' } }));
      return;
    }
    if (!this.record(orderId, 'submit', 'OrderSubmitted', await this.command('POST', `/api/shop/orders/${orderId}/submit`, customer))) return;
    if (!(await this.awaitPriced(orderId))) return;
    for (const step of STEPS) {
      await this.read();
      const token = step.role === 'seller' ? seller : operator;
      const json = step.command === 'ship' ? { trackingNumber: `TRK-${orderId.slice(0, 8)}` } : undefined;
      const result = await this.command('POST', `/api/${step.path}/orders/${orderId}/${step.command}`, token, json === undefined ? {} : { json });
      if (!this.record(orderId, step.command, step.eventType, result)) return;
    }
  }

  /** Pricing is asynchronous: wait (through kills and restarts) until the order has its price. */
  private async awaitPriced(orderId: string): Promise<boolean> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const view = await call(this.baseUrl(), 'GET', `/api/shop/orders/${orderId}`, { token: this.tokens.customer });
      this.count(view);
      this.stats.reads += 1;
      const status = (view.body as { status?: string } | undefined)?.status;
      if (status === 'PRICE_CALCULATED') return true;
      if (status === 'CANCELLED') return false;
      await sleep(200);
    }
    return false;
  }
}

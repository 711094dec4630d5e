import { randomUUID } from 'node:crypto';
import { AppSettings } from '../src/config/app-settings';
import { loadConfig } from '../src/config/config';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { createEventStore } from '../src/infrastructure/event-store/event-store.module';
import type { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { registerErrorTranslator, toApiError } from '../src/infrastructure/http/error-mapping';
import { ALL_MIGRATIONS } from '../src/migrations';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { IllegalTransitionError } from '../src/shared/order-lifecycle';
import type { CommandContext } from '../src/shared/order-commands/command-context';
import { channelAccess, STAFF_ACCESS } from '../src/shared/order-commands/order-access';
import { ConcurrentModificationError, NoSuchOrderError } from '../src/shared/order-commands/order-command.errors';
import { OrderCommandExecutor } from '../src/shared/order-commands/order-command.executor';
import { OrderCommands } from '../src/shared/order-commands/order-commands.service';
import { translateOrderErrors } from '../src/shared/order-commands/order-error-translator';

/**
 * The one way to run an order command, against a real PostgreSQL event
 * store: it stamps what callers no longer pass, enforces the access policy,
 * refuses with domain errors only, and answers "would it be accepted?"
 * without appending.
 */
describe('OrderCommands', () => {
  let database: TestDatabase;
  let store: EventStore;
  let settings: AppSettings;
  let orders: OrderCommands;
  /** Set by a test: runs once, right before the next append (a concurrent writer). */
  let beforeNextAppend: (() => Promise<void>) | null = null;

  const context = (role: 'customer' | 'partner' | 'seller' | 'pricing', id: string, extra: Partial<CommandContext> = {}): CommandContext => ({
    actor: { role, id },
    correlationId: randomUUID(),
    causationId: null,
    ...extra,
  });
  const newShopOrder = (customer: string) => orders.initiate({ customerRef: customer, channel: 'shop', partnerId: null, material: 'GOLD_750' }, context('customer', customer));

  beforeAll(async () => {
    database = await createTestDatabase('order_commands');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    settings = new AppSettings(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', COMMAND_RETRIES: '0' }), database.url, 'unused-by-this-test-unused-by-this-test', 'unused');
    const real = createEventStore(settings);
    store = real;
    // The real store with a hook before each append, so a test can get a competing write in between read and append.
    const interfering = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<EventStore['append']>) => {
          const hook = beforeNextAppend;
          beforeNextAppend = null;
          if (hook) await hook();
          return target.append(...args);
        };
      },
    });
    orders = new OrderCommands(new OrderCommandExecutor(interfering, settings));
    registerErrorTranslator(translateOrderErrors);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("stamps the time and the actor, and carries the context's request id, trace, correlation and causation into the events", async () => {
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const before = new Date().toISOString();
    const created = await orders.initiate(
      { customerRef: 'c-stamp', channel: 'shop', partnerId: null, material: 'GOLD_750' },
      context('customer', 'c-stamp', { requestId: 'req-1', traceparent, causationId: 'req-1', correlationId: 'corr-1' }),
    );
    const after = new Date().toISOString();
    expect(created).toEqual({ id: expect.any(String), status: 'INITIATED', revision: 0 });
    const [event] = await store.readStream(`order-${created.id}`);
    expect(event!.metadata).toMatchObject({ actor: { role: 'customer', id: 'c-stamp' }, requestId: 'req-1', traceparent, correlationId: 'corr-1', causationId: 'req-1' });
    const occurredAt = event!.metadata.occurredAt;
    expect(occurredAt >= before && occurredAt <= after).toBe(true);
  });

  it('lets a customer reach only their own shop orders and a partner only its own; staff reach every order', async () => {
    const { id } = await newShopOrder('c-owner');
    const cancel = { type: 'CancelOrder', data: { reasonCode: 'CUSTOMER_REQUEST', reason: 'test' } } as const;
    await expect(orders.view(id, channelAccess('shop', 'c-someone-else'))).rejects.toBeInstanceOf(NoSuchOrderError);
    await expect(orders.view(id, channelAccess('partner', 'c-owner'))).rejects.toBeInstanceOf(NoSuchOrderError);
    await expect(orders.run(id, cancel, context('customer', 'c-someone-else'), channelAccess('shop', 'c-someone-else'))).rejects.toBeInstanceOf(NoSuchOrderError);
    await expect(orders.view(randomUUID(), STAFF_ACCESS)).rejects.toBeInstanceOf(NoSuchOrderError);
    expect((await orders.view(id, channelAccess('shop', 'c-owner'))).status).toBe('INITIATED');
    expect((await orders.view(id, STAFF_ACCESS)).status).toBe('INITIATED');
    expect((await orders.run(id, cancel, context('customer', 'c-owner'), channelAccess('shop', 'c-owner'))).status).toBe('CANCELLED');
  });

  it('answers "would it be accepted now?" from the lifecycle table, as the decider would refuse, and appends nothing', async () => {
    const { id } = await newShopOrder('c-accepts');
    const access = channelAccess('shop', 'c-accepts');
    expect((await orders.assertAccepts(id, 'AttachModel', access)).status).toBe('INITIATED');
    const refused = await orders.assertAccepts(id, 'SubmitOrder', access).catch((error: unknown) => error);
    const decided = await orders.run(id, { type: 'SubmitOrder', data: { submissionId: randomUUID() } }, context('customer', 'c-accepts'), access).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IllegalTransitionError);
    expect(decided).toBeInstanceOf(IllegalTransitionError);
    expect((refused as IllegalTransitionError).details).toEqual((decided as IllegalTransitionError).details);
    await expect(orders.assertAccepts(id, 'AttachModel', channelAccess('shop', 'c-other'))).rejects.toBeInstanceOf(NoSuchOrderError);
    expect((await orders.load(id)).revision).toBe(0n);
  });

  it('a concurrent change beyond the retries is a domain ConcurrentModificationError, answered as 409 CONCURRENT_MODIFICATION', async () => {
    const { id } = await newShopOrder('c-race');
    beforeNextAppend = async () => {
      await store.append(
        `order-${id}`,
        [
          {
            id: randomUUID(),
            type: 'OrderCancelled',
            data: { reasonCode: 'SELLER_CANCELLED', reason: 'race', cancelledBy: 'seller' },
            metadata: { correlationId: 'race', causationId: null, actor: { role: 'seller', id: 's-2' }, occurredAt: new Date().toISOString(), schemaVersion: 1 },
          },
        ],
        0n,
      );
    };
    const error = await orders
      .run(id, { type: 'CancelOrder', data: { reasonCode: 'SELLER_CANCELLED', reason: 'test' } }, context('seller', 's-1'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrentModificationError);
    expect(toApiError(error)).toMatchObject({ status: 409, code: 'CONCURRENT_MODIFICATION', message: ConcurrentModificationError.MESSAGE, details: { attempts: 1 } });
  });
});

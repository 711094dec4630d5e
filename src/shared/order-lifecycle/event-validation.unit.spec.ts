/** orderEventProblem: every event the decider writes is readable; what a bad producer writes is named precisely. */
import { ORDER_EVENT_TYPES, type OrderEventType } from './events';
import { orderEventProblem } from './event-validation';
import { decide, foldOrder } from './order';
import { actors, event, historyTo, validCommands } from './testing';
import { ORDER_STATUSES } from './statuses';

const metadata = { correlationId: 'c-1', causationId: null, actor: actors.customer, occurredAt: '2025-03-01T09:00:00.000Z', schemaVersion: 1 };
const stored = (type: string, data: unknown, meta: unknown = metadata) => ({ type, data, metadata: meta });

describe('orderEventProblem', () => {
  it('accepts every event of every fixture history, and every event decide writes', () => {
    for (const status of ORDER_STATUSES) {
      for (const past of historyTo(status)) expect({ type: past.type, problem: orderEventProblem(stored(past.type, past.data)) }).toEqual({ type: past.type, problem: null });
    }
    for (const type of ORDER_EVENT_TYPES) expect({ type, problem: orderEventProblem(stored(type, event(type).data)) }).toEqual({ type, problem: null });
    // Decided on top of a history where the command is allowed: the decider's own output must always read back.
    const decided = [
      ...decide(validCommands.InitiateOrder, foldOrder([])),
      ...decide(validCommands.RecordPrice, foldOrder(historyTo('SUBMITTED'))),
      ...decide(validCommands.RecordPricingAttemptFailure, foldOrder(historyTo('SUBMITTED'))),
      ...decide(validCommands.FailPricing, foldOrder(historyTo('SUBMITTED'))),
      ...decide(validCommands.RequestPricingRetry, foldOrder(historyTo('SUBMITTED'))),
      ...decide(validCommands.CloseOrder, foldOrder(historyTo('SHIPPED'))),
      ...decide({ ...validCommands.CloseOrder, data: { closedVia: 'seller', deliveredAt: null } }, foldOrder(historyTo('SHIPPED'))),
      ...decide({ ...validCommands.AttachModel, data: { ...validCommands.AttachModel.data, triangleCount: null } }, foldOrder(historyTo('INITIATED'))),
    ];
    for (const decidedEvent of decided) expect(orderEventProblem(stored(decidedEvent.type, decidedEvent.data))).toBeNull();
  });

  it('accepts extra metadata fields (a newer writer may add some) and leaves unknown event types to evolve', () => {
    expect(orderEventProblem(stored('OrderSubmitted', event('OrderSubmitted').data, { ...metadata, requestId: 'r-1', traceparent: 'x' }))).toBeNull();
    expect(orderEventProblem(stored('GiftWrapped', 'anything', null))).toBeNull();
  });

  it.each([
    ['metadata null', stored('OrderSubmitted', event('OrderSubmitted').data, null), /OrderSubmitted: metadata must be an object \(got null\)/],
    ['metadata a string', stored('ModelUploaded', event('ModelUploaded').data, 'not an object'), /metadata must be an object \(got "not an object"\)/],
    ['metadata an array', stored('ModelUploaded', event('ModelUploaded').data, []), /metadata must be an object \(got an array\)/],
    ['no occurredAt', stored('OrderClosed', event('OrderClosed').data, { ...metadata, occurredAt: undefined }), /metadata.occurredAt must be an ISO-8601 time \(got nothing\)/],
    ['occurredAt not a time', stored('OrderClosed', event('OrderClosed').data, { ...metadata, occurredAt: 'yesterday' }), /metadata.occurredAt/],
    ['actor missing its id', stored('OrderClosed', event('OrderClosed').data, { ...metadata, actor: { role: 'seller' } }), /metadata.actor must be \{ role, id \}/],
    ['data null', stored('ManufacturingStarted', null), /ManufacturingStarted: data must be an object \(got null\)/],
    [
      'total a string',
      stored('PriceCalculated', { ...event('PriceCalculated').data, total: 'not-a-number' }),
      /PriceCalculated: data.total must be a finite amount .* \(got "not-a-number"\)/,
    ],
    ['total negative', stored('PriceCalculated', { ...event('PriceCalculated').data, total: -1 }), /data.total/],
    ['total beyond numeric(14,2)', stored('PriceCalculated', { ...event('PriceCalculated').data, total: 1e15 }), /data.total/],
    ['no breakdown', stored('PriceCalculated', { submissionId: 's', currency: 'EUR', total: 10 }), /data.breakdown must be an object \(got nothing\)/],
    ['breakdown lines not a list', stored('PriceCalculated', { ...event('PriceCalculated').data, breakdown: { lines: {} } }), /data.breakdown.lines must be an array/],
    ['submission id not a UUID', stored('OrderSubmitted', { submissionId: 'not-a-uuid' }), /OrderSubmitted: data.submissionId must be a UUID \(got "not-a-uuid"\)/],
    ['order id not a UUID', stored('OrderInitiated', { ...event('OrderInitiated').data, orderId: 42 }), /data.orderId must be a UUID \(got 42\)/],
    ['channel unknown', stored('OrderInitiated', { ...event('OrderInitiated').data, channel: 'fax' }), /data.channel must be one of shop, partner/],
    ['approvedVia a number', stored('ManufacturingApproved', { approvedVia: 42 }), /data.approvedVia/],
    ['tracking number missing', stored('OrderShipped', { operatorRef: 'op-1' }), /data.trackingNumber must be a string \(got nothing\)/],
    ['willRetry a string', stored('PricingAttemptFailed', { ...event('PricingAttemptFailed').data, willRetry: 'yes' }), /data.willRetry must be true or false/],
  ] as const)('names the problem: %s', (_name, bad, message) => {
    expect(orderEventProblem(bad)).toMatch(message);
  });

  it('quotes at most a short piece of a bad value', () => {
    const problem = orderEventProblem(stored('OrderSubmitted', { submissionId: 'x'.repeat(5000) }))!;
    expect(problem.length).toBeLessThan(120);
  });

  it('checks every known event type', () => {
    const types: OrderEventType[] = [...ORDER_EVENT_TYPES];
    for (const type of types) expect({ type, problem: orderEventProblem(stored(type, {})) }).toEqual({ type, problem: expect.stringMatching(new RegExp(`^${type}: data\\.`)) });
  });
});

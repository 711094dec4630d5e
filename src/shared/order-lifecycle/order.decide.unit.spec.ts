/**
 * What each command decides, read as given/when/then. The status x command
 * matrix lives in lifecycle-matrix.unit.spec.ts; this file is about payloads
 * and the rules inside an allowed transition.
 */
import { CONTRACT_CARRIER, type OrderEvent } from './events';
import { DomainValidationError, IllegalTransitionError, OrderAlreadyExistsError } from './errors';
import { PRICING_FAILED_REASON_CODE, decide, foldOrder } from './order';
import { CANCELLABLE_STATUSES } from './transitions';
import { ORDER_ID, OTHER_SUBMISSION_ID, SHA, SUBMISSION_ID, actors, command, event, given, historyTo, stamped, validCommands } from './testing';

describe('InitiateOrder', () => {
  it('starts a shop order', () => {
    given([])
      .when(validCommands.InitiateOrder)
      .then([{ type: 'OrderInitiated', data: { orderId: ORDER_ID, customerRef: 'cust-1', channel: 'shop', partnerId: null, material: 'GOLD_750' } }]);
  });

  it('starts a partner order with its partner id', () => {
    given([])
      .when(command('InitiateOrder', { channel: 'partner', partnerId: 'partner-42' }, actors.partner))
      .then([event('OrderInitiated', { channel: 'partner', partnerId: 'partner-42' })]);
  });

  it('accepts a material the price list added (the caller checks the list)', () => {
    given([])
      .when(command('InitiateOrder', { material: 'PALLADIUM_500' }))
      .then([event('OrderInitiated', { material: 'PALLADIUM_500' })]);
  });

  it.each([
    ['a partner order without partnerId', { channel: 'partner', partnerId: null }, 'INVALID_PARTNER'],
    ['a shop order with a partnerId', { channel: 'shop', partnerId: 'partner-42' }, 'INVALID_PARTNER'],
    ['a malformed material', { material: 'gold 750' }, 'INVALID_MATERIAL'],
    ['an order id that is not a UUID', { orderId: 'order-1' }, 'INVALID_ORDER_ID'],
    ['an empty customerRef', { customerRef: ' ' }, 'INVALID_CUSTOMER_REF'],
  ] as const)('refuses %s', (_name, data, code) => {
    given([]).when(command('InitiateOrder', data)).thenThrows(DomainValidationError, { code });
  });

  it('refuses a second initiation of the same order', () => {
    given(historyTo('INITIATED')).when(validCommands.InitiateOrder).thenThrows(OrderAlreadyExistsError, { orderId: ORDER_ID });
  });
});

describe('AttachModel', () => {
  it('records an uploaded model', () => {
    given(historyTo('INITIATED'))
      .when(validCommands.AttachModel)
      .then([
        {
          type: 'ModelUploaded',
          data: { blobKey: `models/${ORDER_ID}/1.stl`, sha256: SHA, sizeBytes: 684, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 },
        },
      ]);
  });

  it('records a catalogue model with its item id', () => {
    const pick = command('AttachModel', { source: 'catalog', catalogItemId: 'ring-017', format: 'obj', triangleCount: null } as never);
    given(historyTo('INITIATED'))
      .when(pick)
      .then([event('ModelUploaded', { source: 'catalog', catalogItemId: 'ring-017', format: 'obj', triangleCount: null })]);
  });

  it('replaces the model before submission, keeping FILE_UPLOADED and its time', () => {
    const history = historyTo('FILE_UPLOADED');
    const replaced = given(history)
      .when(command('AttachModel', { blobKey: 'models/2.stl' }))
      .then([event('ModelUploaded', { blobKey: 'models/2.stl' })]);
    const before = foldOrder(history);
    const after = foldOrder([...history, ...stamped(replaced, '2025-03-01T12:00:00.000Z')]);
    expect(after).toMatchObject({ status: 'FILE_UPLOADED', statusChangedAt: before.statusChangedAt, model: { blobKey: 'models/2.stl' } });
  });

  it.each([
    ['a bad digest', { sha256: 'ABC' }, 'sha256'],
    ['an empty file', { sizeBytes: 0 }, 'sizeBytes'],
    ['an unknown format', { format: 'step' }, 'format'],
    ['a model without triangles', { triangleCount: 0 }, 'triangleCount'],
    ['an empty blob key', { blobKey: '' }, 'blobKey'],
    ['a catalogue pick without item id', { source: 'catalog', catalogItemId: '' }, 'catalogItemId'],
  ] as const)('refuses %s', (_name, data, field) => {
    given(historyTo('INITIATED'))
      .when(command('AttachModel', data as never))
      .thenThrows(DomainValidationError, { code: 'INVALID_MODEL', details: { field } });
  });
});

describe('SubmitOrder', () => {
  it('submits with the submission id that keys the pricing job', () => {
    given(historyTo('FILE_UPLOADED'))
      .when(validCommands.SubmitOrder)
      .then([{ type: 'OrderSubmitted', data: { submissionId: SUBMISSION_ID } }]);
  });

  it('refuses a submission id that is not a UUID', () => {
    given(historyTo('FILE_UPLOADED'))
      .when(command('SubmitOrder', { submissionId: 'job-1' }))
      .thenThrows(DomainValidationError, { code: 'INVALID_SUBMISSION_ID' });
  });

  it('needs a model first', () => {
    given(historyTo('INITIATED'))
      .when(validCommands.SubmitOrder)
      .thenThrows(IllegalTransitionError, { currentStatus: 'INITIATED', allowed: ['AttachModel', 'CancelOrder'] });
  });
});

describe('pricing', () => {
  const submitted = historyTo('SUBMITTED');

  it('records the price of the current submission', () => {
    given(submitted)
      .when(validCommands.RecordPrice)
      .then([{ type: 'PriceCalculated', data: validCommands.RecordPrice.data }]);
  });

  it('refuses a price for another submission (STALE_SUBMISSION)', () => {
    given(submitted)
      .when(command('RecordPrice', { submissionId: OTHER_SUBMISSION_ID }))
      .thenThrows(DomainValidationError, { code: 'STALE_SUBMISSION', details: { submissionId: OTHER_SUBMISSION_ID, currentSubmissionId: SUBMISSION_ID } });
  });

  it.each([
    ['more than 2 decimals', { total: 10.005 }, 'INVALID_PRICE'],
    ['a negative total', { total: -1 }, 'INVALID_PRICE'],
    ['a total that is not a number', { total: Number.NaN }, 'INVALID_PRICE'],
    ['a lowercase currency', { currency: 'eur' }, 'INVALID_PRICE'],
    ['another material', { breakdown: { ...validCommands.RecordPrice.data.breakdown, material: 'SILVER_925' } }, 'PRICE_MATERIAL_MISMATCH'],
  ] as const)('refuses a price with %s', (_name, data, code) => {
    given(submitted).when(command('RecordPrice', data)).thenThrows(DomainValidationError, { code });
  });

  it('records a failed attempt without changing the status', () => {
    const [attempt] = given(submitted)
      .when(validCommands.RecordPricingAttemptFailure)
      .then([{ type: 'PricingAttemptFailed', data: validCommands.RecordPricingAttemptFailure.data }]);
    const state = foldOrder([...submitted, ...stamped([attempt!], '2025-03-01T10:00:30.000Z')]);
    expect(state).toMatchObject({
      status: 'SUBMITTED',
      statusChangedAt: foldOrder(submitted).statusChangedAt,
      pricingAttempts: 1,
      lastPricingFailure: { attempt: 1, code: 'WORKER_TIMEOUT', willRetry: true },
    });
  });

  it('still accepts the price after failed attempts', () => {
    given([...submitted, ...stamped([event('PricingAttemptFailed'), event('PricingAttemptFailed', { attempt: 2 })], '2025-03-01T10:00:00.000Z')])
      .when(validCommands.RecordPrice)
      .then([event('PriceCalculated')]);
  });

  it.each([
    ['a retry without its time', { willRetry: true, nextRetryAt: null }],
    ['a final attempt with a retry time', { willRetry: false, nextRetryAt: '2025-03-01T10:01:00.000Z' }],
    ['attempt 0', { attempt: 0 }],
    ['no code', { code: '' }],
  ] as const)('refuses an attempt failure with %s', (_name, data) => {
    given(submitted).when(command('RecordPricingAttemptFailure', data)).thenThrows(DomainValidationError, { code: 'INVALID_PRICING_ATTEMPT' });
  });

  it('refuses an attempt failure of another submission', () => {
    given(submitted)
      .when(command('RecordPricingAttemptFailure', { submissionId: OTHER_SUBMISSION_ID }))
      .thenThrows(DomainValidationError, { code: 'STALE_SUBMISSION' });
  });

  it('gives up with PricingFailed followed by OrderCancelled in one decision', () => {
    const decided = given(submitted)
      .when(validCommands.FailPricing)
      .then([
        { type: 'PricingFailed', data: { submissionId: SUBMISSION_ID, code: 'MODEL_NOT_WATERTIGHT', reason: 'the mesh has 3 open edges' } },
        { type: 'OrderCancelled', data: { reasonCode: PRICING_FAILED_REASON_CODE, reason: 'the mesh has 3 open edges', cancelledBy: 'pricing' } },
      ]);
    expect(foldOrder([...submitted, ...stamped(decided, '2025-03-01T10:05:00.000Z')])).toMatchObject({
      status: 'CANCELLED',
      cancellation: { reasonCode: 'PRICING_FAILED', cancelledBy: 'pricing' },
      lastPricingFailure: { code: 'MODEL_NOT_WATERTIGHT', attempt: null, willRetry: false },
    });
  });

  it('refuses to give up on another submission', () => {
    given(submitted)
      .when(command('FailPricing', { submissionId: OTHER_SUBMISSION_ID }))
      .thenThrows(DomainValidationError, { code: 'STALE_SUBMISSION' });
  });

  it('records a support retry request for the current submission, by whom', () => {
    given(submitted)
      .when(validCommands.RequestPricingRetry)
      .then([{ type: 'PricingRetryRequested', data: { submissionId: SUBMISSION_ID, requestedBy: 'support-2' } }]);
  });

  it('cannot retry pricing of an order that pricing gave up on', () => {
    given([...submitted, ...stamped([event('PricingFailed'), event('OrderCancelled', { reasonCode: 'PRICING_FAILED', cancelledBy: 'pricing' })])])
      .when(validCommands.RequestPricingRetry)
      .thenThrows(IllegalTransitionError, { currentStatus: 'CANCELLED', allowed: [] });
  });
});

describe('ApproveManufacturing', () => {
  it('is approved by a seller', () => {
    given(historyTo('PRICE_CALCULATED'))
      .when(validCommands.ApproveManufacturing)
      .then([{ type: 'ManufacturingApproved', data: { approvedVia: 'seller' } }]);
  });

  it('is confirmed by the partner of a partner order', () => {
    const partnerOrder = [event('OrderInitiated', { channel: 'partner', partnerId: 'partner-42' }), ...historyTo('PRICE_CALCULATED').slice(1)];
    given(partnerOrder)
      .when(command('ApproveManufacturing', { approvedVia: 'partner' }, actors.partner))
      .then([event('ManufacturingApproved', { approvedVia: 'partner' })]);
  });

  it('cannot be confirmed via the partner API for a shop order', () => {
    given(historyTo('PRICE_CALCULATED'))
      .when(command('ApproveManufacturing', { approvedVia: 'partner' }, actors.partner))
      .thenThrows(DomainValidationError, { code: 'APPROVAL_CHANNEL_MISMATCH' });
  });
});

describe('factory floor', () => {
  it('starts, completes and packs as the acting operator', () => {
    const by = { role: 'operator', id: 'op-12' } as const;
    given(historyTo('MANUFACTURING_APPROVED'))
      .when(command('StartManufacturing', {}, by))
      .then([{ type: 'ManufacturingStarted', data: { operatorRef: 'op-12' } }]);
    given(historyTo('MANUFACTURING_STARTED'))
      .when(command('CompleteManufacturing', {}, by))
      .then([{ type: 'ManufacturingCompleted', data: { operatorRef: 'op-12' } }]);
    given(historyTo('MANUFACTURING_COMPLETED'))
      .when(command('StartPackaging', {}, by))
      .then([{ type: 'PackagingStarted', data: { operatorRef: 'op-12' } }]);
  });

  it('ships with a trimmed tracking number, with the contract carrier when none is named', () => {
    given(historyTo('PACKAGING'))
      .when(command('ShipOrder', { trackingNumber: '  1Z 999 AA1 0123456784 ' }))
      .then([{ type: 'OrderShipped', data: { operatorRef: 'op-9', carrier: { code: 'CONTRACT_CARRIER', name: 'Contract carrier' }, trackingNumber: '1Z 999 AA1 0123456784' } }]);
    expect(CONTRACT_CARRIER).toEqual({ code: 'CONTRACT_CARRIER', name: 'Contract carrier' });
  });

  it('ships with the carrier the command names', () => {
    given(historyTo('PACKAGING'))
      .when(command('ShipOrder', { trackingNumber: '00340434161094042557', carrier: { code: 'DHL_PARCEL', name: 'DHL Parcel' } }))
      .then([{ type: 'OrderShipped', data: { operatorRef: 'op-9', carrier: { code: 'DHL_PARCEL', name: 'DHL Parcel' }, trackingNumber: '00340434161094042557' } }]);
  });

  it.each([
    { code: 'dhl', name: 'DHL' },
    { code: 'DHL', name: '  ' },
    { code: 'DHL', name: 'x'.repeat(101) },
  ])('refuses the carrier %j', (carrier) => {
    given(historyTo('PACKAGING')).when(command('ShipOrder', { carrier })).thenThrows(DomainValidationError, { code: 'INVALID_CARRIER' });
  });

  it.each(['', '   ', 'x'.repeat(65), 'line\nbreak'])('refuses the tracking number %j', (trackingNumber) => {
    given(historyTo('PACKAGING')).when(command('ShipOrder', { trackingNumber })).thenThrows(DomainValidationError, { code: 'INVALID_TRACKING_NUMBER' });
  });
});

describe('CloseOrder', () => {
  it('is closed by the carrier with the delivery time', () => {
    given(historyTo('SHIPPED'))
      .when(validCommands.CloseOrder)
      .then([{ type: 'OrderClosed', data: { closedVia: 'carrier', deliveredAt: '2025-03-09T15:30:00.000Z' } }]);
  });

  it('is closed by a seller who may not know the delivery time', () => {
    given(historyTo('SHIPPED'))
      .when(command('CloseOrder', { closedVia: 'seller', deliveredAt: null }, actors.seller))
      .then([event('OrderClosed', { closedVia: 'seller', deliveredAt: null })]);
  });

  it.each([
    ['a carrier close without delivery time', { closedVia: 'carrier', deliveredAt: null }],
    ['a delivery time that is not ISO-8601', { closedVia: 'seller', deliveredAt: '09/03/2025' }],
  ] as const)('refuses %s', (_name, data) => {
    given(historyTo('SHIPPED')).when(command('CloseOrder', data)).thenThrows(DomainValidationError, { code: 'INVALID_DELIVERED_AT' });
  });

  it('cannot close twice', () => {
    given(historyTo('CLOSED')).when(validCommands.CloseOrder).thenThrows(IllegalTransitionError, { currentStatus: 'CLOSED', allowed: [] });
  });
});

describe('CancelOrder', () => {
  it.each(CANCELLABLE_STATUSES)('cancels an order in %s, recording who and why', (status) => {
    const decided = given(historyTo(status))
      .when(command('CancelOrder', {}, actors.seller))
      .then([{ type: 'OrderCancelled', data: { reasonCode: 'CUSTOMER_REQUEST', reason: 'changed my mind', cancelledBy: 'seller' } }]);
    expect(foldOrder([...historyTo(status), ...decided]).status).toBe('CANCELLED');
  });

  it.each(['MANUFACTURING_STARTED', 'MANUFACTURING_COMPLETED', 'PACKAGING', 'SHIPPED', 'CLOSED'] as const)('refuses once metal is cast: %s', (status) => {
    given(historyTo(status)).when(validCommands.CancelOrder).thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION', currentStatus: status });
  });

  it('refuses to cancel a cancelled order (409, not a silent success)', () => {
    given(historyTo('CANCELLED')).when(validCommands.CancelOrder).thenThrows(IllegalTransitionError, { currentStatus: 'CANCELLED', allowed: [] });
  });

  it.each([
    ['a reason code that is not UPPER_SNAKE_CASE', { reasonCode: 'changed mind' }],
    ['a reason longer than 500 characters', { reason: 'x'.repeat(501) }],
  ] as const)('refuses %s', (_name, data) => {
    given(historyTo('INITIATED')).when(command('CancelOrder', data)).thenThrows(DomainValidationError, { code: 'INVALID_CANCELLATION' });
  });
});

describe('the happy path INITIATED .. CLOSED', () => {
  it('walks every step with the valid command of each, ending CLOSED', () => {
    const steps = [
      validCommands.InitiateOrder,
      validCommands.AttachModel,
      validCommands.SubmitOrder,
      validCommands.RecordPrice,
      validCommands.ApproveManufacturing,
      validCommands.StartManufacturing,
      validCommands.CompleteManufacturing,
      validCommands.StartPackaging,
      validCommands.ShipOrder,
      validCommands.CloseOrder,
    ];
    const history: OrderEvent[] = [];
    const statuses: string[] = [];
    for (const step of steps) {
      history.push(...decide(step, foldOrder(history)));
      statuses.push(foldOrder(history).status!);
    }
    const state = foldOrder(history);
    expect(statuses).toEqual([
      'INITIATED',
      'FILE_UPLOADED',
      'SUBMITTED',
      'PRICE_CALCULATED',
      'MANUFACTURING_APPROVED',
      'MANUFACTURING_STARTED',
      'MANUFACTURING_COMPLETED',
      'PACKAGING',
      'SHIPPED',
      'CLOSED',
    ]);
    expect(state).toMatchObject({ trackingNumber: 'JJD000390007', closedVia: 'carrier', price: { total: 412.5 }, cancellation: null });
  });
});

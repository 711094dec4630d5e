import type { CommandContext } from './command-context';
import { eventIdsFor, newOrderId, uuidV5 } from './derived-ids';

const context = (idempotencySeed?: string): CommandContext => ({
  actor: { role: 'customer', id: 'c-1' },
  correlationId: 'corr',
  causationId: null,
  ...(idempotencySeed ? { idempotencySeed } : {}),
});

describe('ids derived from an Idempotency-Key', () => {
  it('uuidV5 is RFC 4122 version 5 (the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('the same seed gives the same order id and event ids; another seed, stream, command or index others', () => {
    expect(newOrderId(context('seed-a'))).toBe(newOrderId(context('seed-a')));
    expect(newOrderId(context('seed-a'))).not.toBe(newOrderId(context('seed-b')));
    const ids = eventIdsFor(context('seed-a'), 'order-1', 'SubmitOrder');
    expect(ids(0)).toBe(eventIdsFor(context('seed-a'), 'order-1', 'SubmitOrder')(0));
    const others = [
      ids(1),
      eventIdsFor(context('seed-b'), 'order-1', 'SubmitOrder')(0),
      eventIdsFor(context('seed-a'), 'order-2', 'SubmitOrder')(0),
      eventIdsFor(context('seed-a'), 'order-1', 'CancelOrder')(0),
      newOrderId(context('seed-a')),
    ];
    expect(new Set([ids(0), ...others]).size).toBe(others.length + 1);
  });

  it('without a key every id is new', () => {
    expect(newOrderId(context())).not.toBe(newOrderId(context()));
    const ids = eventIdsFor(context(), 'order-1', 'SubmitOrder');
    expect(ids(0)).not.toBe(ids(0));
    expect(ids(0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

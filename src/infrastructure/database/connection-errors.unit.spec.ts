import { EventStoreUnavailableError } from '../event-store/event-store.port';
import { toApiError } from '../http/error-mapping';
import { isDatabaseUnavailable } from './connection-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server shutting down (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection exception (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['pg connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['TypeORM QueryFailedError', Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('x'), { code: '57P01' }) })],
    ['a wrapped cause', new Error('append failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })],
    ['an AggregateError of attempts', Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {})],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('outages over HTTP (toApiError)', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After for a database outage', () => {
    const error = toApiError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect({ status: error.status, code: error.code, headers: error.headers }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE', headers: { 'retry-after': '2' } });
  });

  it('answers 503 EVENT_STORE_UNAVAILABLE for the event store port', () => {
    expect(toApiError(new EventStoreUnavailableError('event store (KurrentDB) unavailable')).code).toBe('EVENT_STORE_UNAVAILABLE');
  });

  it('keeps other failures a 500 without details', () => {
    expect(toApiError(Object.assign(new Error('syntax error'), { code: '42601' })).toBody()).toEqual({ code: 'INTERNAL_ERROR', message: 'unexpected error; it has been logged' });
  });
});

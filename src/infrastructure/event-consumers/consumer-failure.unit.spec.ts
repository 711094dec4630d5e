import { EventStoreUnavailableError, type RecordedEvent } from '../event-store/event-store.port';
import { describeFailure, isPoisonFailure, UnprocessableEventError } from './consumer-failure';

const pgError = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
const event = { position: 1n } as RecordedEvent;

describe('isPoisonFailure: park the event, or read it again later?', () => {
  it.each([
    ['the read model says which event', new UnprocessableEventError(event, 'data.total must be a number')],
    ['invalid input syntax (22P02)', pgError('22P02')],
    ['date out of range (22008)', pgError('22008')],
    ['numeric overflow (22003)', pgError('22003')],
    ['a check constraint (23514)', pgError('23514')],
    ['a TypeError while folding', new TypeError("Cannot read properties of undefined (reading 'lines')")],
    ['a pg error wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: pgError('22P02') })],
  ])('parks: %s', (_name, error) => expect(isPoisonFailure(error)).toBe(true));

  it.each([
    ['a serialization failure (40001)', pgError('40001')],
    ['a deadlock (40P01)', pgError('40P01')],
    ['a statement timeout (57014)', pgError('57014')],
    ['an admin shutdown (57P01)', pgError('57P01')],
    ['a lost connection (08006)', pgError('08006')],
    ['too many connections (53300)', pgError('53300')],
    ['a missing table: every event would fail (42P01)', pgError('42P01')],
    ['a socket reset', pgError('ECONNRESET')],
    ['pg client: connection terminated', new Error('Connection terminated unexpectedly')],
    ['the event store away', new EventStoreUnavailableError('down')],
    ['not an Error at all', 'boom'],
  ])('reads again: %s', (_name, error) => expect(isPoisonFailure(error)).toBe(false));

  it("leaves plain errors to the caller where they may be the world's (a job queue client)", () => {
    expect(isPoisonFailure(new Error('pg-boss is not started'), { plainErrors: false })).toBe(false);
    expect(isPoisonFailure(pgError('22P02', 'invalid input syntax for type uuid'), { plainErrors: false })).toBe(true);
    expect(isPoisonFailure(new UnprocessableEventError(event, 'x'), { plainErrors: false })).toBe(true);
  });

  it('describes a failure with its SQLSTATE', () => {
    expect(describeFailure(pgError('22008', 'date/time field value out of range'))).toBe('date/time field value out of range (SQLSTATE 22008)');
    expect(describeFailure(new TypeError('x is undefined'))).toBe('x is undefined');
  });
});

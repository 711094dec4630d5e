import { WrongExpectedRevisionError } from '../../infrastructure/event-store/event-store.port';
import { translateOrderErrors } from './order-error-translator';
import { ConcurrentModificationError, NoSuchOrderError } from './order-command.errors';
import { OrderNotFoundError } from '../order-lifecycle';

describe('order command errors to HTTP (the one exception filter)', () => {
  it('an order that does not exist and one the caller may not see get the same 404', () => {
    const hidden = translateOrderErrors(new NoSuchOrderError('o-1'))!;
    const missing = translateOrderErrors(new OrderNotFoundError('SubmitOrder'))!;
    expect(hidden.toBody()).toEqual({ code: 'ORDER_NOT_FOUND', message: 'no such order' });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(missing.toBody()).toEqual(hidden.toBody());
  });

  it('a concurrent change is one 409 CONCURRENT_MODIFICATION with one message, from the service or straight from the store', () => {
    const fromService = translateOrderErrors(new ConcurrentModificationError('o-1', 6))!;
    const fromStore = translateOrderErrors(new WrongExpectedRevisionError('order-o-1', 3n, 4n))!;
    expect(fromService).toMatchObject({ status: 409, code: 'CONCURRENT_MODIFICATION', message: ConcurrentModificationError.MESSAGE, details: { attempts: 6 } });
    expect(fromStore).toMatchObject({ status: 409, code: 'CONCURRENT_MODIFICATION', message: ConcurrentModificationError.MESSAGE });
  });
});

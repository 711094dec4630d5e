import { shortLived } from './short-lived-result';

describe('shortLived', () => {
  afterEach(() => jest.useRealTimers());

  it('shares one load between the calls within the time to live, then loads again', async () => {
    jest.useFakeTimers({ now: 1_000 });
    let loads = 0;
    const read = shortLived(500, async () => ++loads);
    const [first, second] = await Promise.all([read(), read()]);
    expect([first, second, loads]).toEqual([1, 1, 1]);
    jest.setSystemTime(1_499);
    expect(await read()).toBe(1);
    jest.setSystemTime(1_500);
    expect(await read()).toBe(2);
  });

  it('does not keep a failure: the next call loads again', async () => {
    let calls = 0;
    const read = shortLived(60_000, async () => {
      calls++;
      if (calls === 1) throw new Error('down');
      return 'up';
    });
    await expect(read()).rejects.toThrow('down');
    expect(await read()).toBe('up');
    expect(calls).toBe(2);
  });
});

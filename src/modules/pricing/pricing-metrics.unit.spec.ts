import { Histogram, PricingMetrics } from './pricing-metrics';

describe('PricingMetrics', () => {
  it('buckets observations by upper bound, with +Inf last', () => {
    const histogram = new Histogram([0.1, 1]);
    for (const value of [0.05, 0.1, 0.5, 3]) histogram.observe(value);
    expect(histogram.counts).toEqual([2, 1, 1]);
    expect(histogram.count).toBe(4);
    expect(histogram.sum).toBeCloseTo(3.65, 12);
  });

  it('reads its gauges through the callbacks the engine registers', async () => {
    const metrics = new PricingMetrics();
    expect(await metrics.queueDepth()).toBe(0);
    metrics.setGauges({ queueDepth: async () => 7, openDeadLetters: async () => 2 });
    metrics.attempts += 1;
    metrics.outcomes.priced += 1;
    expect(await metrics.snapshot()).toMatchObject({ attempts: 1, outcomes: { priced: 1 }, queueDepth: 7, openDeadLetters: 2, subscriberLag: null });
    metrics.setGauges({ subscriberLag: async () => ({ eventsBehind: 3, secondsBehind: 1.5 }) });
    expect(await metrics.subscriberLag()).toEqual({ eventsBehind: 3, secondsBehind: 1.5 });
  });
});

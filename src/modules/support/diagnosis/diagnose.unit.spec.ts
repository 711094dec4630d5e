import { foldOrder, ORDER_STATUSES, type OrderStatus } from '../../../shared/order-lifecycle';
import { historyTo } from '../../../shared/order-lifecycle/testing';
import { DEFAULT_SLA_MS, parseSlaOverrides } from '../../../config/order-sla';
import { diagnose, type DiagnosisInput, type PricingJobSnapshot, waitingFor } from './diagnose';

const ORDER = '6f1c2a70-3b7e-4d0a-9a51-0c9b7c1d2e3f';

function inputAt(status: OrderStatus, minutesInStatus: number, extra: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const history = historyTo(status);
  const state = foldOrder(history);
  const now = new Date(Date.parse(state.statusChangedAt!) + minutesInStatus * 60_000);
  return { orderId: ORDER, state, revision: history.length - 1, now, slaMs: DEFAULT_SLA_MS, ...extra };
}

const job = (overrides: Partial<PricingJobSnapshot> = {}): PricingJobSnapshot => ({
  jobId: 'job-1',
  state: 'active',
  deadLettered: false,
  attempt: 1,
  maxAttempts: 3,
  lastError: null,
  nextRetryAt: null,
  ...overrides,
});

describe('diagnose', () => {
  it.each(ORDER_STATUSES.filter((status) => status !== 'CLOSED' && status !== 'CANCELLED'))('names an owner and a next step for %s', (status) => {
    const waiting = waitingFor(foldOrder(historyTo(status)));
    expect(waiting.owner).not.toBe('nobody');
    expect(waiting.commands.length).toBeGreaterThan(0);
  });

  it('puts an order with a working pricing job within its SLA, waiting for pricing', () => {
    const diagnosis = diagnose(inputAt('SUBMITTED', 1, { pricingJob: job() }));
    expect(diagnosis).toMatchObject({ status: 'SUBMITTED', overdue: false, overdueMs: 0, waitingFor: { owner: 'pricing' }, anomalies: [] });
    expect(diagnosis.summary).toBe('SUBMITTED for 1 min, within its SLA of 5 min; waiting for the pricing engine to price the model');
  });

  it('puts an unreadable event and a parked one first, naming position, consumer and the way to retry', () => {
    const diagnosis = diagnose(
      inputAt('SUBMITTED', 1, {
        pricingJob: job(),
        unreadableEvents: [{ revision: 3, position: '4096', type: 'PriceCalculated', problem: 'PriceCalculated: data.total must be a finite amount' }],
        parkedEvents: [
          {
            consumer: 'read-models',
            position: '4096',
            revision: 3,
            eventType: 'PriceCalculated',
            error: 'PriceCalculated: data.total must be a finite amount',
            state: 'parked',
            attempts: 1,
            parkedAt: '2025-03-01T10:00:00.000Z',
          },
        ],
      }),
    );
    expect(diagnosis.anomalies.map((anomaly) => anomaly.code)).toEqual(['ORDER_STREAM_CORRUPT', 'EVENT_PARKED']);
    expect(diagnosis.anomalies[0]!.message).toMatch(/position 4096 \(revision 3, PriceCalculated\) cannot be read: .*409 ORDER_STREAM_CORRUPT/);
    expect(diagnosis.anomalies[1]!.message).toMatch(
      /the projector \(lists and dashboards\) parked the event at position 4096 .*POST \/api\/support\/parked-events\/read-models\/4096\/retry/,
    );
    expect(diagnosis.summary).toMatch(/^SUBMITTED for 1 min.*position 4096/);
    expect(diagnosis.parkedEvents).toHaveLength(1);
    expect(diagnosis.unreadableEvents).toHaveLength(1);

    const cancelled = diagnose({ ...inputAt('CANCELLED', 1), parkedEvents: [{ ...diagnosis.parkedEvents[0]!, consumer: 'pricing-jobs' }] });
    expect(cancelled.summary).toMatch(/^CANCELLED; the pricing subscriber parked the event at position 4096/);
  });

  it('finds a submitted order that the pricing queue does not know', () => {
    const diagnosis = diagnose(inputAt('SUBMITTED', 30, { pricingJob: null }));
    expect(diagnosis.overdue).toBe(true);
    expect(diagnosis.overdueMs).toBe(25 * 60_000);
    expect(diagnosis.anomalies.map((anomaly) => anomaly.code)).toEqual(['PRICING_JOB_MISSING']);
    expect(diagnosis.summary).toContain('past its SLA of 5 min');
  });

  it('finds a dead-lettered pricing job and quotes its last error', () => {
    const diagnosis = diagnose(inputAt('SUBMITTED', 10, { pricingJob: job({ state: 'failed', deadLettered: true, attempt: 3, lastError: 'blob storage unreachable' }) }));
    expect(diagnosis.anomalies).toEqual([expect.objectContaining({ code: 'PRICING_DEAD_LETTERED', message: expect.stringContaining('blob storage unreachable') })]);
  });

  it('finds a pricing job that finished without recording its outcome', () => {
    expect(diagnose(inputAt('SUBMITTED', 10, { pricingJob: job({ state: 'completed' }) })).anomalies.map((a) => a.code)).toEqual(['PRICING_JOB_FINISHED_WITHOUT_RESULT']);
  });

  it('finds a read model behind the stream, or without the order', () => {
    const behind = inputAt('MANUFACTURING_STARTED', 5, { readModel: { revision: 3, status: 'PRICE_CALCULATED' } });
    expect(diagnose(behind).anomalies.map((a) => a.code)).toEqual(['READ_MODEL_BEHIND']);
    expect(diagnose(inputAt('PACKAGING', 5, { readModel: { revision: null, status: null } })).anomalies.map((a) => a.code)).toEqual(['READ_MODEL_MISSING']);
    const current = inputAt('PACKAGING', 5);
    expect(diagnose({ ...current, readModel: { revision: current.revision, status: 'PACKAGING' } }).anomalies).toEqual([]);
  });

  it('does not call a gap of a few hundred milliseconds an anomaly: the projector and the pricing subscriber follow asynchronously', () => {
    const fresh = inputAt('SUBMITTED', 0.005, { pricingJob: null });
    expect(diagnose({ ...fresh, readModel: { revision: null, status: null }, lastEventAt: fresh.state.statusChangedAt! }).anomalies).toEqual([]);
  });

  it('says an operator owns an order left in MANUFACTURING_STARTED past its SLA', () => {
    const diagnosis = diagnose(inputAt('MANUFACTURING_STARTED', 4 * 24 * 60));
    expect(diagnosis).toMatchObject({ overdue: true, overdueMs: 24 * 3_600_000, waitingFor: { owner: 'operator', commands: ['CompleteManufacturing'] } });
  });

  it('has no SLA and no next step for finished orders', () => {
    for (const status of ['CLOSED', 'CANCELLED'] as const) {
      const diagnosis = diagnose(inputAt(status, 100_000));
      expect(diagnosis).toMatchObject({ slaMs: null, overdue: false, waitingFor: { owner: 'nobody' } });
    }
  });

  it('reads SLA overrides and refuses malformed ones', () => {
    expect(parseSlaOverrides('SUBMITTED=2m, SHIPPED=14d,PACKAGING=90s')).toEqual({ SUBMITTED: 120_000, SHIPPED: 14 * 86_400_000, PACKAGING: 90_000 });
    expect(() => parseSlaOverrides('SUBMITTED=2 weeks')).toThrow('"SUBMITTED=2 weeks" is not STATUS=<number><s|m|h|d>');
    expect(() => parseSlaOverrides('CLOSED=1d')).toThrow('"CLOSED" is not a non-terminal order status');
  });
});

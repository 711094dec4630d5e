import { AppendNotifier } from './append-notifier';

/** The coalescing rule alone, with a NOTIFY whose completion the test controls (the real one: append-notifier.int.spec.ts). */
describe('AppendNotifier', () => {
  let sent: Array<() => void>;
  const warnings: string[] = [];
  const notifier = (delayMs: number) => new AppendNotifier(() => new Promise<void>((resolve) => sent.push(resolve)), { warn: (message) => void warnings.push(message) }, delayMs);
  const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeEach(() => {
    sent = [];
    warnings.length = 0;
  });

  it('sends one NOTIFY for the appends within the delay', async () => {
    const subject = notifier(5);
    subject.appended();
    subject.appended();
    subject.appended();
    expect(sent).toHaveLength(0);
    await tick(20);
    expect(sent).toHaveLength(1);
    sent[0]!();
    await tick(20);
    expect(sent).toHaveLength(1);
  });

  it('sends one more NOTIFY after the one in flight for appends that finished meanwhile', async () => {
    const subject = notifier(0);
    subject.appended();
    await tick(5);
    expect(sent).toHaveLength(1);
    // These may have committed after the NOTIFY in flight was sent: they need a NOTIFY of their own.
    subject.appended();
    subject.appended();
    await tick(5);
    expect(sent).toHaveLength(1);
    sent[0]!();
    await tick(5);
    expect(sent).toHaveLength(2);
    sent[1]!();
    await tick(5);
    expect(sent).toHaveLength(2);
  });

  it('keeps going after a failed NOTIFY, with a warning', async () => {
    const failing = new AppendNotifier(() => Promise.reject(new Error('connection lost')), { warn: (message) => void warnings.push(message) }, 0);
    failing.appended();
    await tick(5);
    failing.appended();
    await tick(5);
    expect(warnings).toEqual([expect.stringContaining('connection lost'), expect.stringContaining('connection lost')]);
  });

  it('sends a pending NOTIFY at once on drain, and waits for it', async () => {
    const subject = notifier(60_000);
    subject.appended();
    let drained = false;
    const draining = subject.drain().then(() => (drained = true));
    await tick(5);
    expect(sent).toHaveLength(1);
    expect(drained).toBe(false);
    sent[0]!();
    await draining;
    expect(drained).toBe(true);
  });
});

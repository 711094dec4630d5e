import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { assertChromiumInstalled, launchChromium } from './support/chromium';
import { createdOrder, submittedOrder } from './support/orders';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** A table row as the page functions below use it (no DOM lib in the tsconfig: playwright's Element is untyped here). */
type Row = { getAttribute(name: string): string | null };

describe('the /support page in headless Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let customer: string;
  let support: string;

  beforeAll(async () => {
    assertChromiumInstalled();
    // Short SLAs so orders become "stuck" within the test; no pricing worker, so a submitted order stays SUBMITTED.
    app = await startTestApp({ ORDER_SLA: 'INITIATED=1s,SUBMITTED=1s', PRICING_WORKER_ENABLED: 'false' });
    [customer, support] = await Promise.all([app.token('customer', 'cust-sp'), app.token('support', 'support-page')]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A page signed in with `token`, collecting script errors. */
  async function signedIn(token: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${app.baseUrl}/support`);
    await page.fill('#token', token);
    await page.click('#signin');
    await page.waitForSelector('#order-id', { state: 'visible' });
    return { page, problems };
  }

  async function lookUp(page: Page, id: string): Promise<void> {
    await page.fill('#order-id', id);
    await page.click('#lookup');
  }

  it('looks an order up: its timeline with ids, time in each status, the diagnosis, and a recorded pricing retry', async () => {
    const id = await submittedOrder(app, customer, { headers: { 'x-correlation-id': 'corr-support-page', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } });
    const { page, problems } = await signedIn(support);
    await lookUp(page, id);

    await page.waitForSelector('#events tr[data-revision="2"]');
    const events = await page.$$eval('#events tr', (rows: Row[]) => rows.map((row) => [row.getAttribute('data-revision'), row.getAttribute('data-type')]));
    expect(events).toEqual([
      ['0', 'OrderInitiated'],
      ['1', 'ModelUploaded'],
      ['2', 'OrderSubmitted'],
    ]);
    const first = (await page.locator('#events tr[data-revision="0"]').innerText()).replace(/\s+/g, ' ');
    expect(first).toContain('customer:cust-sp');
    expect(first).toContain('correlation corr-support-page');
    expect(first).toContain(`trace ${TRACE_ID}`);
    expect(first).toContain('initiated');
    expect(await page.locator('#events tr[data-revision="2"] td.status').textContent()).toBe('submitted');
    expect(await page.$$eval('#periods tr', (rows: Row[]) => rows.map((row) => row.getAttribute('data-status')))).toEqual(['INITIATED', 'FILE_UPLOADED', 'SUBMITTED']);
    expect(await page.locator('#periods tr[data-status="SUBMITTED"]').innerText()).toMatch(/still there/);

    expect(await page.locator('#d-status').textContent()).toBe('submitted');
    expect(await page.locator('#d-waiting').textContent()).toMatch(/^pricing: the pricing engine to price the model/);
    expect(await page.locator('#summary').textContent()).toMatch(/^SUBMITTED for \d+ s, (within its SLA|\d+ s past its SLA) of 1 s; waiting for the pricing engine/);
    expect(page.url()).toBe(`${app.baseUrl}/support#order/${id}`);

    // Past the 1 s SLA and the queue never heard of it (the worker is stopped): overdue, with the cause named.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await lookUp(page, id);
    await page.waitForSelector('#anomalies li[data-code="PRICING_JOB_MISSING"]');
    expect(await page.locator('#d-time .overdue').textContent()).toMatch(/past its SLA of 1 s/);

    await page.click('#retry-pricing');
    await page.waitForSelector('#events tr[data-type="PricingRetryRequested"]');
    expect(await page.locator('#events tr[data-type="PricingRetryRequested"]').innerText()).toContain('support:support-page');
    expect(await page.locator('#notice').textContent()).toMatch(/Pricing retry requested/);

    // The token and the open order survive a reload of the tab.
    await page.reload();
    await page.waitForSelector('#events tr[data-type="PricingRetryRequested"]');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('hides "retry pricing" for an order that is not waiting for pricing', async () => {
    const id = await createdOrder(app, customer);
    const { page } = await signedIn(support);
    await lookUp(page, id);
    await page.waitForSelector('#events tr[data-revision="0"]');
    expect(await page.locator('#retry-pricing').isHidden()).toBe(true);
    expect(await page.locator('#d-waiting').textContent()).toMatch(/^customer: /);
    await page.close();
  });

  it('lists orders past their SLA in the stuck view and opens one on click', async () => {
    const id = await createdOrder(app, customer);
    const { page, problems } = await signedIn(support);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await page.click('#tab-stuck');
    const row = page.locator(`#stuck-rows tr[data-id="${id}"]`);
    // The read model follows the stream within milliseconds; refresh until the order shows.
    await until(
      async () => {
        if ((await row.count()) > 0) return true;
        await page.click('#stuck-refresh');
        return undefined;
      },
      `order ${id} in the stuck view`,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(await row.getAttribute('data-status')).toBe('INITIATED');
    expect(await row.innerText()).toMatch(/customer: the customer to upload a model/);

    await row.click();
    await page.waitForSelector('#lookup-view', { state: 'visible' });
    await page.waitForSelector('#events tr[data-type="OrderInitiated"]');
    expect(await page.locator('#d-order').textContent()).toContain(id);
    expect(await page.locator('#d-time .overdue').textContent()).toMatch(/past its SLA of 1 s/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('explains an invalid id, an unknown order, and a token without the support role', async () => {
    const { page } = await signedIn(support);
    await lookUp(page, 'not-an-id');
    await page.waitForSelector('#error:has-text("is not an order id")');
    expect(await page.locator('#order').isHidden()).toBe(true);

    const unknown = randomUUID();
    await lookUp(page, unknown);
    await page.waitForSelector(`#error:has-text("No order ${unknown} exists.")`);
    // The request id sits in the error line, where a person copies it into a ticket.
    expect(await page.locator('#error .request-id').textContent()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await page.close();

    const asCustomer = await signedIn(customer);
    await lookUp(asCustomer.page, unknown);
    await asCustomer.page.waitForSelector('#login', { state: 'visible' });
    expect(await asCustomer.page.locator('#login-message').textContent()).toMatch(/may not use the support tools.*support or admin role/);
    expect(await asCustomer.page.evaluate(() => sessionStorage.getItem('support.token'))).toBeNull();
    await asCustomer.page.close();

    const expired = await signedIn('not.a.token');
    await lookUp(expired.page, unknown);
    await expired.page.waitForSelector('#login', { state: 'visible' });
    expect(await expired.page.locator('#login-message').textContent()).toMatch(/refused or has expired/);
    await expired.page.close();
  });

  it('looks a request up: the events it appended, each opening its order', async () => {
    const requestId = `page-request-${randomUUID().slice(0, 8)}`;
    const id = await createdOrder(app, customer, { headers: { 'x-request-id': requestId } });
    const { page, problems } = await signedIn(support);
    await page.click('#tab-request');
    await page.fill('#request-id', 'not a request id!');
    await page.click('#request-lookup');
    await page.waitForSelector('#error:has-text("is not a request id")');

    await page.fill('#request-id', requestId);
    await page.click('#request-lookup');
    // Listed once projected: look again until the row is there.
    const row = page.locator('#request-rows tr[data-type="OrderInitiated"]');
    for (let attempt = 0; !(await row.isVisible()) && attempt < 50; attempt++) {
      await page.click('#request-lookup');
      await page.waitForTimeout(100);
    }
    expect(await page.locator('#request-summary').textContent()).toBe(`Request ${requestId} appended 1 event to 1 order.`);
    expect(await row.locator('td').first().textContent()).toBe(id);
    await row.click();
    await page.waitForSelector(`#events tr[data-type="OrderInitiated"]`);
    expect(await page.locator('#events tr[data-revision="0"] .ids a').textContent()).toBe(requestId);

    const nothing = `changed-nothing-${randomUUID().slice(0, 8)}`;
    await page.goto(`${app.baseUrl}/support#request/${nothing}`);
    await page.waitForSelector(`#error:has-text("Request ${nothing} changed no order")`);
    expect(await page.locator('#error .request-id').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});

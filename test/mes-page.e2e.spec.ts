import type { Browser } from 'playwright-core';
import { assertChromiumInstalled, launchChromium } from './support/chromium';
import { approve, approvedOrder, awaitPriced, submittedOrder } from './support/orders';
import { startTestApp, type TestApp } from './support/test-app';

describe('the /mes page in headless Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let customer: string;
  let seller: string;
  let operator: string;

  beforeAll(async () => {
    assertChromiumInstalled();
    app = await startTestApp();
    [customer, seller, operator] = await Promise.all([app.token('customer', 'cust-1'), app.token('seller', 'seller-1'), app.token('operator', 'op-7')]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs in with a pasted token, shows a new order within a second, and moves it on "Start"', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${app.baseUrl}/mes`);
    await page.fill('#token', operator);
    await page.click('#signin');
    await page.waitForSelector('#live.on', { timeout: 10_000 });

    const id = await submittedOrder(app, customer);
    const submittedAt = Date.now();
    const row = page.locator(`tr[data-id="${id}"]`);
    // Within a second of its submission (a generous bound; freshness itself is measured in bench/dashboard).
    await row.waitFor({ timeout: 1_000 });
    expect(Date.now() - submittedAt).toBeLessThan(1_000);

    await awaitPriced(app, customer, id);
    await approve(app, seller, id);
    await page.waitForSelector(`tr[data-id="${id}"][data-status="MANUFACTURING_APPROVED"] button[data-action="start"]`, { timeout: 5_000 });
    await page.click(`tr[data-id="${id}"] button[data-action="start"]`);
    await page.waitForSelector(`tr[data-id="${id}"][data-status="MANUFACTURING_STARTED"] button[data-action="complete"]`, { timeout: 5_000 });
    expect(await row.locator('td.status').textContent()).toBe('manufacturing started');
    // The counts follow with the stream's next `counts` event.
    await page.locator('#filters button[data-status="MANUFACTURING_STARTED"] .count', { hasText: /^[1-9]\d*$/ }).waitFor({ timeout: 5_000 });

    // The token stays in this tab: a reload opens the dashboard without asking again.
    await page.reload();
    await page.waitForSelector(`tr[data-id="${id}"][data-status="MANUFACTURING_STARTED"]`, { timeout: 5_000 });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the request id in its error line when a command is refused', async () => {
    const page = await browser.newPage();
    // A tablet whose live connection is down: the row is not updated when another operator moves the order.
    await page.route('**/api/mes/orders/stream**', (route) => route.abort());
    await page.goto(`${app.baseUrl}/mes`);
    await page.fill('#token', operator);
    await page.click('#signin');
    const id = await approvedOrder(app, { customer, seller });
    const start = page.locator(`tr[data-id="${id}"][data-status="MANUFACTURING_APPROVED"] button[data-action="start"]`);
    for (let attempt = 0; !(await start.isVisible()) && attempt < 50; attempt++) {
      await page.reload();
      await page.waitForTimeout(100);
    }
    const other = await app.token('operator', 'operator-2');
    expect((await app.request(`/api/mes/orders/${id}/start`, { method: 'POST', token: other, json: {} })).status).toBe(200);
    await start.click();
    await page.waitForSelector('#error .request-id');
    expect(await page.locator('#error').textContent()).toMatch(/not allowed.*\(request id [0-9a-f-]{36}\)$/);
    await page.close();
  });
});

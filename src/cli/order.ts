import { parseArgs, styleText } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { resolveSecrets } from '../config/dev-secrets';
import { JwtService } from '../infrastructure/auth/jwt.service';
import type { OrderTimeline } from '../modules/support/history/order-timeline';
import type { RequestTrail } from '../modules/support/requests/support-requests.controller';

/**
 * Support's terminal tool. It talks to a running app over HTTP (the same
 * endpoints as the /support page), so it works against production with a
 * support token as well as against `npm start` with a development token.
 */
const USAGE = `usage: npm run order -- <command> [args] [--json] [--url <app url>] [--token <bearer token>]
  history <order id>     every event of the order, and the time spent in each status
  diagnose <order id>    where the order is stuck and why
  stuck                  orders past their status SLA, most overdue first
  request <request id>   what one request changed: the events it appended and their orders
                         (the X-Request-Id of an answer, or requestId of an error)
The app URL defaults to $ALEXANDRITE_URL or http://localhost:$PORT (3000); the token to
$ALEXANDRITE_TOKEN, else a development support token signed with this checkout's secret.`;

type Style = Parameters<typeof styleText>[0];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, id] = positionals;
  if (values.help || !command) return void console.log(USAGE);
  const paths: Record<string, () => string> = {
    history: () => `/api/support/orders/${requireId(id, 'an order id')}/history`,
    diagnose: () => `/api/support/orders/${requireId(id, 'an order id')}/diagnosis`,
    stuck: () => '/api/support/orders/stuck',
    request: () => `/api/support/requests/${requireId(id, 'a request id')}`,
  };
  const path = paths[command];
  if (!path) fail(`unknown command: ${command}\n${USAGE}`, 2);

  const baseUrl = values.url ?? process.env.ALEXANDRITE_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const token = values.token ?? process.env.ALEXANDRITE_TOKEN ?? (await developmentToken());
  let response: Response;
  try {
    response = await fetch(new URL(path(), baseUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  } catch (error) {
    const { cause, message } = error as Error;
    fail(`cannot reach the app at ${baseUrl} (${cause instanceof Error ? cause.message : message}); is it running (npm start)?`, 1);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = body as { code?: string; message?: string; requestId?: string } | null;
    const requestId = problem?.requestId ?? response.headers.get('x-request-id');
    fail(`${response.status} ${problem?.code ?? ''}: ${problem?.message ?? response.statusText}${requestId ? ` (request id ${requestId})` : ''}`, 1);
  }
  if (values.json) return void console.log(JSON.stringify(body, null, 2));
  const color = process.stdout.isTTY === true;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  if (command === 'history') printHistory(body as OrderTimeline, paint);
  else if (command === 'request') printRequest(body as RequestTrail, paint);
  else printGeneric(body, paint);
}

function printHistory(timeline: OrderTimeline, paint: (style: Style, text: string) => string): void {
  console.log(`${paint('bold', `order ${timeline.orderId}`)}  status ${paint('cyan', timeline.status ?? '-')}  revision ${timeline.revision}`);
  console.log('');
  for (const event of timeline.events) {
    const who = `${event.actor.role}:${event.actor.id}`;
    const trace = event.traceId ? ` trace ${event.traceId}` : '';
    console.log(
      `${paint('dim', String(event.revision).padStart(3))}  ${event.occurredAt}  ${paint('bold', event.type.padEnd(26))} ${paint('cyan', (event.statusAfter ?? '').padEnd(24))} ${who}`,
    );
    const request = event.requestId ? `  request ${event.requestId}` : '';
    console.log(
      paint('dim', `       position ${event.position}${request}  correlation ${event.correlationId}${event.causationId ? `  causation ${event.causationId}` : ''}${trace}`),
    );
    if (event.problem) console.log(paint('red', `       unreadable: ${event.problem}`));
  }
  console.log('');
  console.log(paint('bold', 'time in status'));
  for (const period of timeline.statusPeriods) {
    const label = period.ongoing ? paint('yellow', `${formatDuration(period.durationMs)} so far`) : formatDuration(period.durationMs);
    console.log(`  ${period.status.padEnd(24)} ${label.padStart(12)}  since ${period.enteredAt}`);
  }
}

function printRequest(trail: RequestTrail, paint: (style: Style, text: string) => string): void {
  const events = `${trail.events.length} ${trail.events.length === 1 ? 'event' : 'events'}`;
  const orders = `${trail.orderIds.length} ${trail.orderIds.length === 1 ? 'order' : 'orders'}`;
  console.log(`${paint('bold', `request ${trail.requestId}`)} appended ${events} to ${orders}`);
  console.log('');
  for (const event of trail.events) {
    console.log(
      `  ${event.occurredAt}  ${paint('bold', event.type.padEnd(26))} ${event.orderId ?? event.streamId}  revision ${event.revision}  ${paint('dim', `position ${event.position}`)}`,
    );
  }
}

/** Diagnosis and stuck lists: indented key/value lines, readable without knowing the JSON. */
function printGeneric(value: unknown, paint: (style: Style, text: string) => string, indent = ''): void {
  if (Array.isArray(value)) {
    if (value.length === 0) console.log(`${indent}${paint('dim', '(none)')}`);
    value.forEach((item, index) => {
      console.log(`${indent}${paint('dim', `#${index + 1}`)}`);
      printGeneric(item, paint, `${indent}  `);
    });
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (item && typeof item === 'object') {
        console.log(`${indent}${paint('bold', key)}:`);
        printGeneric(item, paint, `${indent}  `);
      } else {
        console.log(`${indent}${paint('bold', key)}: ${String(item)}`);
      }
    }
    return;
  }
  console.log(`${indent}${String(value)}`);
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

function requireId(id: string | undefined, what: string): string {
  if (!id) fail(`${what} is required\n${USAGE}`, 2);
  return encodeURIComponent(id);
}

async function developmentToken(): Promise<string> {
  const config = loadConfig(process.env);
  if (config.env === 'production') fail('give a support token with --token or ALEXANDRITE_TOKEN (no development tokens in production)', 2);
  const secrets = resolveSecrets(config);
  return JwtService.sign(secrets.jwtSecret, 'support-cli', ['support'], 600, { audience: config.auth.audience });
}

function fail(message: string, exitCode: number): never {
  console.error(message);
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

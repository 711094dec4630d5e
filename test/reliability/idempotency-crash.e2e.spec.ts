import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import { type AppProcess, startAppProcess } from '../support/app-process';
import { TEST_JWT_SECRET } from '../support/test-app';
import { until } from '../support/until';

/**
 * Idempotency-Key across a crash: 300 concurrent creates, each with its own
 * key, the process killed with SIGKILL in the middle, restarted, and every
 * key retried. Ten of the creates are caught exactly between the append of
 * OrderInitiated (committed) and the storing of their response (never
 * committed): a trigger holds their response's UPDATE until the kill. Each
 * key must end with exactly one order, and the retry must answer it.
 */
const KEYS = 300;
const HELD = 10;

interface Answer {
  status: number;
  body: { id?: string; code?: string };
  replayed: boolean;
  retryAfter: number;
}

describe('Idempotency-Key across kill -9', () => {
  let app: AppProcess;
  let sql: Client;
  let customer: string;
  // Before the kill the held requests tie up connections; the others need some too.
  const env = { JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn', PRICING_WORKER_ENABLED: 'false', DB_POOL_SIZE: '30', HTTP_MAX_IN_FLIGHT: '0', IDEMPOTENCY_CLAIM_TIMEOUT_S: '1' };

  beforeAll(async () => {
    app = await startAppProcess(env);
    sql = new Client({ connectionString: app.database.url });
    await sql.connect();
    customer = await JwtService.sign(TEST_JWT_SECRET, 'customer-crash', ['customer'], 3600);
  }, 90_000);
  afterAll(async () => {
    await sql?.end();
    await app?.stop();
  });

  const create = async (key: string): Promise<Answer> => {
    try {
      const response = await fetch(`${app.baseUrl}/api/shop/orders`, {
        method: 'POST',
        // The key doubles as correlation id, so the test finds each key's events in the store.
        headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json', 'idempotency-key': key, 'x-correlation-id': key },
        body: JSON.stringify({ material: 'GOLD_750' }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as Answer['body']) : {},
        replayed: response.headers.get('idempotent-replayed') === 'true',
        retryAfter: Number(response.headers.get('retry-after') ?? 1),
      };
    } catch {
      return { status: 0, body: {}, replayed: false, retryAfter: 1 };
    }
  };

  /** As a client does: retry while the answer says "later" (in progress, unavailable), up to a deadline. */
  const createWithRetries = async (key: string, deadline: number): Promise<Answer> => {
    for (;;) {
      const answer = await create(key);
      const later = answer.status === 0 || answer.status === 503 || (answer.status === 409 && answer.body.code === 'IDEMPOTENT_REQUEST_IN_PROGRESS');
      if (!later || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, Math.min(answer.retryAfter, 2) * 1000));
    }
  };

  const count = async (query: string, params: unknown[] = []): Promise<number> => Number((await sql.query<{ n: string }>(query, params)).rows[0]!.n);

  it('ends with exactly one order per key, and every retry answers that order', async () => {
    const run = randomUUID().slice(0, 8);
    const keys = Array.from({ length: KEYS }, (_, index) => (index < HELD ? `held-${run}-${index}` : `free-${run}-${index}`));
    // Fault injection: the response of a held key is never stored before the process dies.
    await sql.query(`CREATE FUNCTION test_hold_response() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(120); RETURN NEW; END $$`);
    await sql.query(
      `CREATE TRIGGER test_hold_response BEFORE UPDATE ON http_idempotency_keys FOR EACH ROW WHEN (NEW.key LIKE 'held-%' AND NEW.status_code IS NOT NULL) EXECUTE FUNCTION test_hold_response()`,
    );

    const firstAnswers = new Map<string, Answer>();
    const inFlight = keys.map((key) => create(key).then((answer) => void firstAnswers.set(key, answer)));
    const initiated = `SELECT count(*) AS n FROM event_store.events WHERE event_type = 'OrderInitiated' AND metadata->>'correlationId' LIKE $1`;
    await until(async () => (await count(initiated, [`held-${run}-%`])) >= HELD && (await count(initiated, [`free-${run}-%`])) >= (KEYS - HELD) / 3, 'the creates to get going', {
      timeoutMs: 60_000,
      diagnostics: () => app.output(),
    });
    await app.kill();
    await Promise.all(inFlight);
    // The killed process's statements die with their connections (here at once rather than at the next TCP keepalive).
    await sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    await sql.query('DROP TRIGGER test_hold_response ON http_idempotency_keys');

    // The crash window really was hit: each held key's order is in the store, its response is not.
    expect(await count(initiated, [`held-${run}-%`])).toBe(HELD);
    expect(await count(`SELECT count(*) AS n FROM http_idempotency_keys WHERE key LIKE $1 AND status_code IS NOT NULL`, [`held-${run}-%`])).toBe(0);
    const answeredBeforeKill = [...firstAnswers].filter(([, answer]) => answer.status === 201);
    expect(answeredBeforeKill.length).toBeLessThan(KEYS - HELD);

    await app.restart();
    const retryDeadline = Date.now() + 45_000;
    const retries = new Map<string, Answer>();
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map(async (key) => retries.set(key, await createWithRetries(key, retryDeadline))));
    }

    const statuses = [...retries.values()].map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    // A response stored before the kill is replayed as it was.
    for (const [key, first] of answeredBeforeKill) expect(retries.get(key)!.body).toEqual(first.body);
    const ids = keys.map((key) => retries.get(key)!.body.id);
    expect(new Set(ids).size).toBe(KEYS);
    // Exactly one order per key in the store, and it is the one the retry answered.
    const { rows } = await sql.query<{ key: string; streams: string[] }>(
      `SELECT metadata->>'correlationId' AS key, array_agg(stream_id) AS streams FROM event_store.events
        WHERE event_type = 'OrderInitiated' AND metadata->>'correlationId' LIKE $1 GROUP BY 1`,
      [`%-${run}-%`],
    );
    const streamsByKey = new Map(rows.map((row) => [row.key, row.streams]));
    expect(keys.filter((key) => streamsByKey.get(key)?.length !== 1)).toEqual([]);
    expect(keys.filter((key) => streamsByKey.get(key)![0] !== `order-${retries.get(key)!.body.id}`)).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM event_store.events WHERE event_type = 'OrderInitiated'`)).toBe(KEYS);

    // And from now on each key is a plain replay.
    const again = await create(keys[0]!);
    expect(again).toMatchObject({ status: 201, replayed: true, body: retries.get(keys[0]!)!.body });
  }, 180_000);
});

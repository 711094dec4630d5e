import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { type JWTPayload, SignJWT } from 'jose';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);

/**
 * HS256 bearer tokens a hostile probe forged with the right secret but the
 * wrong shape (issue 24, item 14): no `exp`, an expiry in 2286, another
 * service's audience. Tokens must expire, within AUTH_TOKEN_MAX_LIFETIME_S of
 * being issued, and be addressed to this service when AUTH_JWT_AUDIENCE says
 * which; what `npm run token` and the test helpers sign still passes.
 */
describe('HS256 bearer tokens: expiry, lifetime and audience', () => {
  let app: TestApp;
  let withAudience: TestApp;

  beforeAll(async () => {
    [app, withAudience] = await Promise.all([
      startTestApp({ PRICING_WORKER_ENABLED: 'false' }),
      startTestApp({ PRICING_WORKER_ENABLED: 'false', AUTH_JWT_AUDIENCE: 'alexandrite-api', AUTH_TOKEN_MAX_LIFETIME_S: String(2 * HOUR) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), withAudience?.close()]);
  });

  /** A token signed with the app's own secret: only its claims can be wrong. */
  function forge(claims: JWTPayload): Promise<string> {
    return new SignJWT({ sub: 'cust-forged', roles: ['customer'], iss: 'alexandrite', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  }

  async function answer(target: TestApp, token: string): Promise<{ status: number; code?: string }> {
    const response = await target.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } });
    const body = (await response.json()) as { code?: string };
    return response.status === 201 ? { status: 201 } : { status: response.status, code: body.code };
  }

  it('refuses a token without `exp`, one that expires in 2286 and one that lives longer than the maximum', async () => {
    const cases: Array<[string, JWTPayload, string]> = [
      ['no exp', { iat: now() }, 'TOKEN_EXPIRY_MISSING'],
      ['no exp, no iat', {}, 'TOKEN_EXPIRY_MISSING'],
      ['exp in 2286', { iat: now(), exp: 9_999_999_999 }, 'TOKEN_LIFETIME_TOO_LONG'],
      ['25 h from now, no iat', { exp: now() + 25 * HOUR }, 'TOKEN_LIFETIME_TOO_LONG'],
      ['issued 30 days ago, expires in 1 h', { iat: now() - 30 * 24 * HOUR, exp: now() + HOUR }, 'TOKEN_LIFETIME_TOO_LONG'],
      ['iat in the future to hide a long lifetime', { iat: now() + 48 * HOUR, exp: now() + 49 * HOUR }, 'TOKEN_LIFETIME_TOO_LONG'],
    ];
    for (const [label, claims, code] of cases) {
      expect({ label, ...(await answer(app, await forge(claims))) }).toEqual({ label, status: 401, code });
    }
  });

  it('accepts tokens within the default 24 h lifetime, and those the test helper signs', async () => {
    expect(await answer(app, await forge({ iat: now(), exp: now() + 24 * HOUR }))).toEqual({ status: 201 });
    expect(await answer(app, await forge({ exp: now() + 60 }))).toEqual({ status: 201 });
    expect(await answer(app, await app.token('customer', 'cust-helper'))).toEqual({ status: 201 });
  });

  it('without AUTH_JWT_AUDIENCE, refuses a token addressed to another service', async () => {
    for (const aud of ['another-service', ['another-service', 'a-third-one']]) {
      expect({ aud, ...(await answer(app, await forge({ iat: now(), exp: now() + HOUR, aud }))) }).toEqual({ aud, status: 401, code: 'TOKEN_CLAIM_INVALID' });
    }
  });

  it('with AUTH_JWT_AUDIENCE, accepts only tokens addressed to it, and enforces AUTH_TOKEN_MAX_LIFETIME_S', async () => {
    const fresh = { iat: now(), exp: now() + HOUR };
    expect(await answer(withAudience, await forge({ ...fresh, aud: 'alexandrite-api' }))).toEqual({ status: 201 });
    expect(await answer(withAudience, await forge({ ...fresh, aud: ['other', 'alexandrite-api'] }))).toEqual({ status: 201 });
    expect(await answer(withAudience, await forge(fresh))).toEqual({ status: 401, code: 'TOKEN_CLAIM_INVALID' });
    expect(await answer(withAudience, await forge({ ...fresh, aud: 'another-service' }))).toEqual({ status: 401, code: 'TOKEN_CLAIM_INVALID' });
    expect(await answer(withAudience, await forge({ iat: now(), exp: now() + 3 * HOUR, aud: 'alexandrite-api' }))).toEqual({ status: 401, code: 'TOKEN_LIFETIME_TOO_LONG' });
    expect(await answer(withAudience, await withAudience.token('customer', 'cust-helper'))).toEqual({ status: 201 });
  });

  it('`npm run token` issues tokens the app accepts, and refuses a --ttl beyond the maximum', async () => {
    const plain = await runTokenCli(['--role', 'customer', '--sub', 'cust-cli'], {});
    expect(plain.code).toBe(0);
    expect(await answer(app, lastLine(plain.stdout))).toEqual({ status: 201 });

    const addressed = await runTokenCli(['--role', 'customer', '--ttl', '2'], { AUTH_JWT_AUDIENCE: 'alexandrite-api', AUTH_TOKEN_MAX_LIFETIME_S: String(2 * HOUR) });
    expect(addressed.code).toBe(0);
    expect(await answer(withAudience, lastLine(addressed.stdout))).toEqual({ status: 201 });

    const tooLong = await runTokenCli(['--role', 'customer', '--ttl', '25'], {});
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/--ttl.*24 h.*AUTH_TOKEN_MAX_LIFETIME_S/);
  });
});

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** `npm run token` from its TypeScript sources, with the test app's secret. */
function runTokenCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(ROOT, 'test', 'support', 'ts-register.js'), join(ROOT, 'src', 'cli', 'token.ts'), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          NODE_ENV: 'test',
          JWT_SECRET: TEST_JWT_SECRET,
          CARRIER_WEBHOOK_SECRET: 'cli-carrier-secret-0123',
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

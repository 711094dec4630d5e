import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { startTestApp, type TestApp } from './support/test-app';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'alexandrite-api';
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('bearer tokens from an external identity provider (JWKS)', () => {
  let app: TestApp;
  let jwksServer: Server;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;
  let impostor: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksFetches = 0;

  beforeAll(async () => {
    [rsa, ec, impostor] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('RS256')]);
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwksServer = createServer((_request, response) => {
      jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const port = (jwksServer.address() as AddressInfo).port;
    app = await startTestApp({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE });
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  async function sign(key: SigningKey, alg: 'RS256' | 'ES256', kid: string, claims: JWTPayload = {}, expiresIn: string | number = '5m'): Promise<string> {
    // Claims given by a test win over the defaults (setIssuer etc. would overwrite them).
    return new SignJWT({ roles: ['customer'], sub: 'idp-user-42', iss: ISSUER, aud: AUDIENCE, ...claims })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(key);
  }

  const createOrder = (token: string) => app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } });

  async function expectRefused(token: string, code: string): Promise<void> {
    const response = await createOrder(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code });
  }

  it('accepts RS256 and ES256 tokens signed with the published keys, and embedded HS256 tokens', async () => {
    expect((await createOrder(await sign(rsa.privateKey, 'RS256', 'rsa-1'))).status).toBe(201);
    expect((await createOrder(await sign(ec.privateKey, 'ES256', 'ec-1'))).status).toBe(201);
    expect((await createOrder(await app.token('customer'))).status).toBe(201);
    expect(jwksFetches).toBeGreaterThan(0);
  });

  it('checks the roles of external tokens like embedded ones', async () => {
    const response = await createOrder(await sign(rsa.privateKey, 'RS256', 'rsa-1', { roles: ['seller'] }));
    expect(response.status).toBe(403);
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', { roles: ['partner', 'root'] }), 'INVALID_TOKEN');
  });

  it('refuses expired, wrongly signed, foreign and malformed tokens with distinct codes', async () => {
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', {}, Math.floor(Date.now() / 1000) - 60), 'TOKEN_EXPIRED');
    await expectRefused(await sign(impostor.privateKey, 'RS256', 'rsa-1'), 'TOKEN_SIGNATURE_INVALID');
    await expectRefused(await sign(impostor.privateKey, 'RS256', 'unknown-kid'), 'TOKEN_SIGNATURE_INVALID');
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', { iss: 'https://evil.example/' }), 'TOKEN_CLAIM_INVALID');
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', { aud: 'another-api' }), 'TOKEN_CLAIM_INVALID');
    // Correctly signed, but the payload is not a JWT claims set.
    const notClaims = await new CompactSign(new TextEncoder().encode('not json')).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
    await expectRefused(notClaims, 'INVALID_TOKEN');
    await expectRefused('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', 'TOKEN_SIGNATURE_INVALID');
    await expectRefused('not.a.token', 'INVALID_TOKEN');
    // alg "none" and a symmetric algorithm we do not use.
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'] })).toString('base64url')}.`;
    await expectRefused(unsigned, 'TOKEN_ALGORITHM_NOT_ALLOWED');
    const hs512 = await new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('k'.repeat(64)));
    await expectRefused(hs512, 'TOKEN_ALGORITHM_NOT_ALLOWED');
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const publicJwk = JSON.stringify(await exportJWK(rsa.publicKey));
    const confused = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('attacker')
      .setIssuer('alexandrite')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicJwk));
    await expectRefused(confused, 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses RS256 tokens when no JWKS is configured', async () => {
    const plain = await startTestApp();
    try {
      const response = await plain.request('/api/shop/orders', { method: 'POST', token: await sign(rsa.privateKey, 'RS256', 'rsa-1'), json: { material: 'GOLD_750' } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'TOKEN_ALGORITHM_NOT_ALLOWED' });
    } finally {
      await plain.close();
    }
  });
});

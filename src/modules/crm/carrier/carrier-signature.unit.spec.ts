import { signCarrierPayload, verifyCarrierSignature } from './carrier-signature';

const secret = 'carrier-secret-0123456789';
const body = '{"orderId":"5d0a0c4e-6f7a-4c3e-9a59-3f1a3b3c2d1e"}';
const now = 1_800_000_000;

describe('carrier webhook signature', () => {
  const check = (overrides: Partial<Parameters<typeof verifyCarrierSignature>[0]>) =>
    verifyCarrierSignature({ secret, rawBody: body, signature: signCarrierPayload(secret, now, body), timestamp: String(now), nowSeconds: now, ...overrides });

  it('accepts the signature of the exact body and timestamp', () => {
    expect(check({})).toEqual({ ok: true });
  });

  it('refuses a changed body', () => {
    expect(check({ rawBody: body.replace('5d0a', '5d0b') })).toMatchObject({ ok: false, code: 'INVALID_SIGNATURE' });
  });

  it('refuses another secret', () => {
    expect(check({ signature: signCarrierPayload('another-secret-0123456', now, body) })).toMatchObject({ ok: false, code: 'INVALID_SIGNATURE' });
  });

  it('refuses a signature of another length without throwing', () => {
    expect(check({ signature: 'sha256=abc' })).toMatchObject({ ok: false, code: 'INVALID_SIGNATURE' });
  });

  it('refuses a replay outside the tolerance window', () => {
    expect(check({ nowSeconds: now + 301 })).toMatchObject({ ok: false, code: 'STALE_TIMESTAMP' });
    expect(check({ nowSeconds: now + 299 })).toEqual({ ok: true });
  });

  it('refuses missing headers and a malformed timestamp', () => {
    expect(check({ signature: undefined })).toMatchObject({ ok: false, code: 'MISSING_SIGNATURE' });
    expect(check({ timestamp: 'yesterday' })).toMatchObject({ ok: false, code: 'INVALID_SIGNATURE' });
  });
});

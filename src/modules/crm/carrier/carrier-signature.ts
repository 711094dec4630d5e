import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The carrier signs each webhook: `X-Carrier-Timestamp: <unix seconds>` and
 * `X-Carrier-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`.
 * The timestamp inside the MAC stops an old delivery from being replayed.
 */
export const SIGNATURE_HEADER = 'x-carrier-signature';
export const TIMESTAMP_HEADER = 'x-carrier-timestamp';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; code: 'MISSING_SIGNATURE' | 'INVALID_SIGNATURE' | 'STALE_TIMESTAMP'; message: string };

export function signCarrierPayload(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

export function verifyCarrierSignature(input: {
  secret: string;
  rawBody: Buffer | string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (!input.signature || !input.timestamp) {
    return { ok: false, code: 'MISSING_SIGNATURE', message: `send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}` };
  }
  if (!/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, code: 'INVALID_SIGNATURE', message: `${TIMESTAMP_HEADER} must be unix seconds` };
  }
  const timestamp = Number(input.timestamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - timestamp) > tolerance) {
    return { ok: false, code: 'STALE_TIMESTAMP', message: `${TIMESTAMP_HEADER} is more than ${tolerance} s away from our clock` };
  }
  const expected = Buffer.from(signCarrierPayload(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(input.signature);
  // timingSafeEqual needs equal lengths; comparing lengths first leaks only the length.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'INVALID_SIGNATURE', message: 'the signature does not match the body' };
  }
  return { ok: true };
}

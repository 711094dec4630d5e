import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { AppSettings } from '../../config/app-settings';
import { ApiError, unauthorized } from '../http/api-error';
import { isUserRole, type Principal, type UserRole } from './principal';

const ISSUER = 'alexandrite';
/** Algorithms accepted from the external identity provider (asymmetric only: its keys come from the JWKS). */
const EXTERNAL_ALGORITHMS = ['RS256', 'ES256'];
/** Tokens remembered as verified; the oldest is forgotten beyond this. */
const MAX_VERIFIED_TOKENS = 5_000;
/** Control characters (NUL among them) and lone UTF-16 surrogates (with the u flag, \p{Cs} matches only those). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNUSABLE_SUBJECT = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

export interface SignOptions {
  /** The `aud` claim: the app's AUTH_JWT_AUDIENCE when it has one (settings.config.auth.audience). */
  audience?: string | undefined;
  /** The `purpose` claim of a narrow token (e.g. `mes-stream`, a stream ticket): accepted only where that purpose is asked for. */
  purpose?: TokenPurpose;
}

/** Narrow tokens we issue ourselves: a stream ticket opens a live stream and is refused everywhere else. */
export type TokenPurpose = 'mes-stream';

export interface VerifyOptions {
  /** Accept only a token of this purpose (one we signed, HS256); without it, only tokens without a purpose. */
  purpose?: TokenPurpose;
}

interface ExternalIdentityProvider {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
}

/**
 * Bearer tokens with `sub` and `roles`: HS256 signed with JWT_SECRET (the
 * embedded default identity), and, when AUTH_JWKS_URL is set, RS256/ES256
 * tokens of an external identity provider, checked against its published
 * keys, issuer and audience. Every token must expire within
 * AUTH_TOKEN_MAX_LIFETIME_S of being issued, and name AUTH_JWT_AUDIENCE in
 * `aud` when one is configured (else carry no `aud`: a token addressed to
 * another service is not for us). Each refusal has its own code.
 */
@Injectable()
export class JwtService {
  private readonly key: Uint8Array;
  private readonly external: ExternalIdentityProvider | undefined;
  private readonly audience: string | undefined;
  private readonly maxLifetimeSeconds: number;
  /**
   * Tokens already verified, until they expire. Nothing about a signed token
   * changes before its `exp` (there is no revocation list), so the answer is
   * the same; verifying it again cost a fifth of a dashboard read's CPU.
   */
  private readonly verified = new Map<string, { principal: Principal; purpose: string | undefined; expiresAtMs: number }>();

  constructor(settings: AppSettings) {
    this.key = new TextEncoder().encode(settings.jwtSecret);
    this.audience = settings.config.auth.audience;
    this.maxLifetimeSeconds = settings.config.auth.tokenMaxLifetimeSeconds;
    const jwks = settings.config.auth.jwks;
    this.external = jwks
      ? { keys: createRemoteJWKSet(new URL(jwks.url), { timeoutDuration: 5_000, cooldownDuration: 30_000 }), issuer: jwks.issuer, audience: jwks.audience }
      : undefined;
  }

  static async sign(secret: string, subject: string, roles: UserRole[], ttlSeconds: number, options: SignOptions = {}): Promise<string> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = new SignJWT(options.purpose === undefined ? { roles } : { roles, purpose: options.purpose })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds);
    if (options.audience !== undefined) token.setAudience(options.audience);
    return token.sign(new TextEncoder().encode(secret));
  }

  async verify(token: string, options: VerifyOptions = {}): Promise<Principal> {
    const remembered = this.verified.get(token);
    if (remembered) {
      if (Date.now() < remembered.expiresAtMs) return checkPurpose(remembered.purpose, options.purpose, remembered.principal);
      this.verified.delete(token);
    }
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized('INVALID_TOKEN', 'the token is not a well-formed JWT');
    }
    const external = this.external;
    if (algorithm !== 'HS256' && !(external && algorithm !== undefined && EXTERNAL_ALGORITHMS.includes(algorithm))) {
      const accepted = external ? ['HS256', ...EXTERNAL_ALGORITHMS] : ['HS256'];
      throw unauthorized('TOKEN_ALGORITHM_NOT_ALLOWED', `tokens signed with ${String(algorithm)} are not accepted (accepted: ${accepted.join(', ')})`);
    }
    let payload: JWTPayload;
    try {
      payload =
        algorithm === 'HS256' || !external
          ? (await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, ...(this.audience === undefined ? {} : { audience: this.audience }) })).payload
          : (await jwtVerify(token, external.keys, { algorithms: EXTERNAL_ALGORITHMS, issuer: external.issuer, audience: external.audience })).payload;
    } catch (error) {
      throw refusal(error, algorithm !== 'HS256');
    }
    this.assertExpiresInTime(payload);
    if (this.audience === undefined && payload.aud !== undefined) {
      throw unauthorized('TOKEN_CLAIM_INVALID', "the token's `aud` claim is not accepted: it is addressed to another service (this one has no AUTH_JWT_AUDIENCE)");
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter(isUserRole) : [];
    // `sub` becomes the actor id on events and the idempotency scope: text PostgreSQL can store, no control characters.
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200 || UNUSABLE_SUBJECT.test(payload.sub)) {
      throw unauthorized('INVALID_TOKEN', 'the token has no usable `sub` claim (1-200 characters, no control characters)');
    }
    if (roles.length === 0) throw unauthorized('INVALID_TOKEN', 'the token has no known role in `roles`');
    const principal: Principal = Object.freeze({ kind: 'user', id: payload.sub, roles: Object.freeze(roles) as UserRole[] });
    // Only we issue narrow tokens: a `purpose` from the external identity provider means nothing here, and is refused.
    const claimed = payload.purpose === undefined ? undefined : JSON.stringify(payload.purpose).replace(/^"|"$/g, '');
    const purpose = claimed === undefined || algorithm === 'HS256' ? claimed : `external:${claimed}`;
    // jose has just checked `exp` and `nbf`; every accepted token has an `exp`.
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { principal, purpose, expiresAtMs: (payload.exp as number) * 1000 });
    return checkPurpose(purpose, options.purpose, principal);
  }

  /** A token without `exp`, or valid for longer than AUTH_TOKEN_MAX_LIFETIME_S, is a key that never (or hardly ever) stops working. */
  private assertExpiresInTime(payload: JWTPayload): void {
    if (typeof payload.exp !== 'number') throw unauthorized('TOKEN_EXPIRY_MISSING', 'the token has no `exp` claim: bearer tokens must expire');
    const now = Math.floor(Date.now() / 1000);
    // A future `iat` would hide a long lifetime; a missing one says nothing: both count from now.
    const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
    const lifetime = payload.exp - issuedAt;
    if (lifetime > this.maxLifetimeSeconds) {
      throw unauthorized(
        'TOKEN_LIFETIME_TOO_LONG',
        `the token is valid for ${lifetime} s from its issue, more than the ${this.maxLifetimeSeconds} s allowed (AUTH_TOKEN_MAX_LIFETIME_S)`,
      );
    }
  }
}

/** A stream ticket opens a stream and nothing else; where a ticket is asked for, nothing else will do. */
function checkPurpose(actual: string | undefined, wanted: TokenPurpose | undefined, principal: Principal): Principal {
  if (actual === wanted) return principal;
  if (wanted === undefined) throw unauthorized('TOKEN_PURPOSE_INVALID', `this token is only for ${actual}; send your own bearer token`);
  throw unauthorized('STREAM_TICKET_REQUIRED', `only a ${wanted} ticket is accepted here (POST /api/mes/orders/stream-ticket); never put a bearer token in a URL`);
}

/** jose's errors to our 401 codes; an unreachable identity provider is our problem (503), not the caller's. */
function refusal(error: unknown, fromIdentityProvider: boolean): ApiError {
  if (error instanceof errors.JWTExpired) return unauthorized('TOKEN_EXPIRED', 'the token has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthorized('TOKEN_SIGNATURE_INVALID', 'the token signature does not verify with any accepted key');
  }
  if (error instanceof errors.JWTClaimValidationFailed) return unauthorized('TOKEN_CLAIM_INVALID', `the token's \`${error.claim}\` claim is not accepted`);
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized('TOKEN_ALGORITHM_NOT_ALLOWED', 'the token algorithm is not accepted');
  if (fromIdentityProvider && (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError))) {
    return new ApiError(503, 'IDENTITY_PROVIDER_UNAVAILABLE', 'the identity provider keys could not be fetched; retry later', undefined, { 'retry-after': '5' });
  }
  return unauthorized('INVALID_TOKEN', `the token is not valid${error instanceof errors.JOSEError ? `: ${error.code}` : ''}`);
}

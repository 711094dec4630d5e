import { Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppSettings } from '../../config/app-settings';
import { unauthorized } from '../http/api-error';
import { isUserRole, type Principal, type UserRole } from './principal';

const ISSUER = 'alexandrite';

/** HS256 bearer tokens with `sub` and `roles` (the embedded default identity). */
@Injectable()
export class JwtService {
  private readonly key: Uint8Array;

  constructor(settings: AppSettings) {
    this.key = new TextEncoder().encode(settings.jwtSecret);
  }

  static async sign(secret: string, subject: string, roles: UserRole[], ttlSeconds: number): Promise<string> {
    return new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(new TextEncoder().encode(secret));
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter(isUserRole) : [];
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
        throw unauthorized('INVALID_TOKEN', 'the token has no usable `sub` claim');
      }
      if (roles.length === 0) throw unauthorized('INVALID_TOKEN', 'the token has no known role in `roles`');
      return { kind: 'user', id: payload.sub, roles };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthorized('TOKEN_EXPIRED', 'the token has expired');
      if (error instanceof errors.JOSEError) throw unauthorized('INVALID_TOKEN', `the token is not valid: ${error.code}`);
      throw error;
    }
  }
}

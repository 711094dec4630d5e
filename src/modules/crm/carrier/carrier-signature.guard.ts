import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppSettings } from '../../../config/app-settings';
import { ApiError } from '../../../infrastructure/http/api-error';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyCarrierSignature } from './carrier-signature';

/**
 * The carrier's HMAC signature is its credential, so it is checked as a
 * guard: before the body is validated, an unsigned or wrongly signed request
 * is a 401 whatever it contains, and learns nothing about our DTOs.
 */
@Injectable()
export class CarrierSignatureGuard implements CanActivate {
  constructor(private readonly settings: AppSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const check = verifyCarrierSignature({
      secret: this.settings.carrierWebhookSecret,
      rawBody: request.rawBody ?? Buffer.alloc(0),
      signature: header(SIGNATURE_HEADER),
      timestamp: header(TIMESTAMP_HEADER),
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) throw new ApiError(401, check.code, check.message);
    return true;
  }
}

import { type CanActivate, type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../http/api-error';
import type { RequestWithApiKey } from '../http/rate-limit/api-key-rate-limit.hook';
import { RateLimitService } from '../http/rate-limit/rate-limit.service';
import { type ApiKeyCredential, ApiKeyAuthenticator } from './api-key-authenticator';
import { JwtService } from './jwt.service';
import type { Principal, Role } from './principal';
import { PUBLIC_KEY, ROLES_KEY, USER_COMMAND_LIMITED_KEY } from './roles.decorator';

/** Operations endpoints probed by the platform itself: never rate-limited per IP. (Metrics have their own listener.) */
const UNLIMITED_PUBLIC_PATHS = [/^\/health(\/|$)/];

/**
 * Global guard: 401 without valid credentials, 403 for a role the route does
 * not allow. A route that declares neither roles nor @Public() is closed.
 * Credentials are a bearer token (customers, staff) or `X-Api-Key`
 * (partners). Anonymous calls share one rate budget per client IP, charged
 * here; each API key's own budget is charged earlier, in the first request hook.
 * A customer's expensive commands (@UserCommandLimited) draw from a budget
 * per `sub`, charged here once the caller is known.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly rateLimits: RateLimitService,
    @Optional() private readonly apiKeys?: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal; actingRole?: Role }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      if (!UNLIMITED_PUBLIC_PATHS.some((path) => path.test(request.url))) {
        await this.rateLimits.consume('ip', request.ip, this.rateLimits.anonymousBudget, reply);
      }
      return true;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    const principal = await this.authenticate(request);
    // An API key's budget was already charged in the first request hook (api-key-rate-limit.hook.ts).
    // The first of the caller's roles the route allows is the role it acts in (recorded on events).
    const actingRole = principal.roles.find((role) => roles.includes(role));
    if (!actingRole) {
      throw forbidden('FORBIDDEN_ROLE', `this endpoint is for ${roles.join(', ') || 'nobody'}; you are ${principal.roles.join(', ')}`);
    }
    if (actingRole === 'customer' && principal.kind === 'user' && this.reflector.getAllAndOverride<boolean>(USER_COMMAND_LIMITED_KEY, targets)) {
      await this.rateLimits.consume('user', principal.id, this.rateLimits.userCommandBudget, reply);
    }
    request.principal = principal;
    request.actingRole = actingRole;
    return true;
  }

  private async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const apiKey = request.headers['x-api-key'];
    if (apiKey !== undefined) {
      if (header) throw unauthorized('AMBIGUOUS_CREDENTIALS', 'send either Authorization or X-Api-Key, not both');
      return this.authenticateApiKey(apiKey, (request as RequestWithApiKey).apiKeyCredential);
    }
    if (!header) throw unauthorized('UNAUTHENTICATED', 'send Authorization: Bearer <token> (or X-Api-Key for partners)');
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('INVALID_TOKEN', 'the Authorization header must be `Bearer <token>`');
    return this.jwt.verify(match[1]);
  }

  private async authenticateApiKey(presented: string | string[], checked: ApiKeyCredential | undefined): Promise<Principal> {
    const credential = checked ?? (typeof presented === 'string' && this.apiKeys ? await this.apiKeys.authenticate(presented) : undefined);
    if (!credential) throw unauthorized('INVALID_API_KEY', 'the X-Api-Key is unknown, revoked or malformed');
    return {
      kind: 'partner',
      id: credential.partnerId,
      roles: ['partner'],
      apiKey: { id: credential.keyId, rps: credential.rps, burst: credential.burst },
    };
  }
}

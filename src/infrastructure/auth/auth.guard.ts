import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../http/api-error';
import { JwtService } from './jwt.service';
import type { Principal, Role } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

/**
 * Global guard: 401 without valid credentials, 403 for a role the route does
 * not allow. A route that declares neither roles nor @Public() is closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal; actingRole?: Role }>();
    const principal = await this.authenticate(request);
    // The first of the caller's roles the route allows is the role it acts in (recorded on events).
    const actingRole = principal.roles.find((role) => roles.includes(role));
    if (!actingRole) {
      throw forbidden('FORBIDDEN_ROLE', `this endpoint is for ${roles.join(', ') || 'nobody'}; you are ${principal.roles.join(', ')}`);
    }
    request.principal = principal;
    request.actingRole = actingRole;
    return true;
  }

  private async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('INVALID_TOKEN', 'the Authorization header must be `Bearer <token>`');
    return this.jwt.verify(match[1]);
  }
}

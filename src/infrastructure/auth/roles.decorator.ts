import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const ROLES_KEY = 'alexandrite:roles';
export const PUBLIC_KEY = 'alexandrite:public';
export const USER_COMMAND_LIMITED_KEY = 'alexandrite:user-command-limited';

/** The roles allowed to call a route. Every route declares roles or @Public(). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** No credentials needed (health, catalogue, the signed carrier webhook). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/**
 * An expensive command (create, model upload, submission): a customer's
 * calls draw from one budget per `sub` (USER_COMMAND_RPS, USER_COMMAND_BURST),
 * charged by the AuthGuard; over it, 429 USER_RATE_LIMITED with Retry-After.
 * Staff acting in a staff role and partners (limited per API key) are not charged.
 */
export const UserCommandLimited = () => SetMetadata(USER_COMMAND_LIMITED_KEY, true);

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!request.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return request.principal;
});

import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from '../auth/principal';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; actingRole?: Role; idempotencySeed?: string };

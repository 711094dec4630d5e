import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { IdempotencyCleanup } from './idempotency-cleanup';
import { postRoutesWithoutIdempotency } from './idempotency-coverage';
import { IdempotencyRepository } from './idempotency.repository';

/**
 * Idempotency-Key for every POST (@Idempotent() on the route). Global so that
 * any module's controllers can use the interceptor; at start-up it refuses a
 * POST route without it, so a new route cannot forget. Keys are kept
 * IDEMPOTENCY_RETENTION_HOURS, then deleted by IdempotencyCleanup.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  // The interceptor itself is built by Nest in each controller's module; it needs the repository from here.
  providers: [IdempotencyRepository, IdempotencyCleanup],
  exports: [IdempotencyRepository],
})
export class IdempotencyModule implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery.getControllers().map((wrapper) => wrapper.metatype as abstract new (...args: never[]) => unknown);
    const missing = postRoutesWithoutIdempotency(controllers.filter(Boolean));
    if (missing.length > 0) {
      throw new Error(`every POST route must be @Idempotent() (Idempotency-Key); missing on: ${missing.join(', ')}`);
    }
  }
}

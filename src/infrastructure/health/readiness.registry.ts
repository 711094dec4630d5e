import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Shown as the key in /health/ready. */
  name: string;
  /** Resolves with optional details when ready; throws (with a reason) when not. */
  check(): Promise<Record<string, unknown> | void>;
}

/**
 * Modules add what the app needs to be ready (database, event store, blob
 * storage, projection lag...) without the health module knowing them.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}

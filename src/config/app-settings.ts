import type { AppConfig } from './config';

/**
 * Everything the Nest app needs that is decided before it starts: the
 * validated config plus what start-up resolved (the database URL, which may be
 * the embedded server's, and the secrets). Injected by its class.
 */
export class AppSettings {
  constructor(
    readonly config: AppConfig,
    readonly databaseUrl: string,
    readonly jwtSecret: string,
    readonly carrierWebhookSecret: string,
  ) {}
}

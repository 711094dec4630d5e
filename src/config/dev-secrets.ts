import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from './config';

export interface ResolvedSecrets {
  jwtSecret: string;
  carrierWebhookSecret: string;
  /** Which secrets came from ./.data/dev-secrets.json rather than the environment. */
  generated: string[];
  file: string;
}

/**
 * Secrets the environment does not give are generated once into
 * `<DATA_DIR>/dev-secrets.json` (mode 0600) and reused, so tokens from
 * `npm run token` keep working across restarts. loadConfig already refused
 * this path for NODE_ENV=production.
 */
export function resolveSecrets(config: AppConfig): ResolvedSecrets {
  const file = join(config.dataDir, 'dev-secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<string, string>>) : {};
  const generated: string[] = [];
  const pick = (name: string, fromEnv: string | undefined): string => {
    if (fromEnv) return fromEnv;
    generated.push(name);
    return (stored[name] ??= randomBytes(32).toString('base64url'));
  };
  const jwtSecret = pick('JWT_SECRET', config.auth.jwtSecret);
  const carrierWebhookSecret = pick('CARRIER_WEBHOOK_SECRET', config.carrier.webhookSecret);
  if (generated.length > 0) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return { jwtSecret, carrierWebhookSecret, generated, file };
}

import pino, { type Logger } from 'pino';
import type { AppConfig } from '../../config/config';

/** Secrets that must never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-carrier-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  'jwtSecret',
  'carrierWebhookSecret',
];

/** The process's one pino logger: JSON in production, pretty on a developer's terminal. */
export function createRootLogger(config: Pick<AppConfig, 'log'>): Logger {
  return pino({
    level: config.log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'alexandrite' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(config.log.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } }
      : {}),
  });
}

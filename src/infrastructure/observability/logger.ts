import pino, { type DestinationStream, type Logger } from 'pino';
import type { AppConfig } from '../../config/config';
import { traceIdsOfActiveSpan } from './log-context';

/** Secrets that must never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-carrier-signature"]',
  'res.headers["set-cookie"]',
  // The same headers wherever a headers object is logged on its own.
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*["x-api-key"]',
  'jwtSecret',
  'carrierWebhookSecret',
];

/**
 * The process's one pino logger: JSON in production, pretty on a developer's
 * terminal. Every line written while a span is active carries its trace_id
 * and span_id. `destination` is for tests; the default is stdout.
 */
export function createRootLogger(config: Pick<AppConfig, 'log'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'alexandrite' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceIdsOfActiveSpan,
  };
  if (destination) return pino(options, destination);
  return pino({
    ...options,
    ...(config.log.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } }
      : {}),
  });
}

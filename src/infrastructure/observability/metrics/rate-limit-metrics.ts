import { counter } from './registry';

/**
 * Requests refused with 429, by scope (`api-key`: a partner's key; `ip`:
 * anonymous callers; `user`: a customer's creates, uploads and submissions;
 * `mes-stream`: live dashboard streams over their cap) and the key's opaque
 * id (`anonymous` for all but API keys, so client addresses and users' ids
 * never become label values).
 */
export const rateLimitRejections = counter('alexandrite_rate_limit_rejections_total', 'Requests refused with 429 by the rate limiter, by scope and API key id', [
  'scope',
  'api_key_id',
]);

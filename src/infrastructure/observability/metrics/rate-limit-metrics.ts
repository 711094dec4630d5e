import { counter } from './registry';

/**
 * Requests refused with 429, by scope (`api-key`: a partner's key; `ip`:
 * anonymous callers) and the key's opaque id (`anonymous` for IPs, so client
 * addresses never become label values).
 */
export const rateLimitRejections = counter('alexandrite_rate_limit_rejections_total', 'Requests refused with 429 by the rate limiter, by scope and API key id', [
  'scope',
  'api_key_id',
]);

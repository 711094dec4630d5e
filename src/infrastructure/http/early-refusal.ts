/**
 * Headers of an answer sent from a hook that runs before helmet (the rate
 * limit gate, load shedding): the few security headers that matter for a
 * JSON error, set by hand.
 */
export const EARLY_REFUSAL_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

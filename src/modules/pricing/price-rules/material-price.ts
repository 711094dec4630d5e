/**
 * One entry of the materials price list, as the pure price rules read it.
 * Money is in integer minor units (cents) of `currency` so sums never drift.
 */
export interface MaterialPrice {
  /** Material code orders name, e.g. GOLD_750. */
  code: string;
  /** Display name, e.g. "Gold 750 (18k)". */
  name: string;
  densityGramsPerCm3: number;
  pricePerGramMinor: number;
  /** ISO 4217, e.g. EUR (two-decimal currencies only: totals are minor / 100). */
  currency: string;
  /** Finishing labour per cm² of surface, before the complexity factor. */
  labourPerCm2Minor: number;
  /** Fixed labour per piece (setup, casting tree, inspection). */
  setupFeeMinor: number;
  /** The smallest total charged for one piece in this material. */
  minimumPriceMinor: number;
  /** Inactive materials stay priced for old orders but new orders cannot pick them. */
  active: boolean;
}

export const MATERIAL_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,31}$/;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Why a price list entry is unusable, or null when it is fine (the admin endpoint answers 422 with it). */
export function materialPriceProblem(price: MaterialPrice): string | null {
  if (!MATERIAL_CODE_PATTERN.test(price.code)) return 'code must be an UPPER_SNAKE_CASE material code such as GOLD_750';
  if (typeof price.name !== 'string' || price.name.trim().length === 0 || price.name.length > 100) return 'name must be 1-100 characters';
  if (!Number.isFinite(price.densityGramsPerCm3) || price.densityGramsPerCm3 <= 0 || price.densityGramsPerCm3 > 30) {
    return 'densityGramsPerCm3 must be a number in (0, 30]';
  }
  if (!CURRENCY_PATTERN.test(price.currency)) return 'currency must be an ISO 4217 code such as EUR';
  for (const field of ['pricePerGramMinor', 'labourPerCm2Minor', 'setupFeeMinor', 'minimumPriceMinor'] as const) {
    const value = price[field];
    if (!Number.isSafeInteger(value) || value < 0 || value > 100_000_000) return `${field} must be an integer number of minor units (cents) in [0, 100000000]`;
  }
  return null;
}

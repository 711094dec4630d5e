import type { PriceBreakdown, PriceLine } from '../../../shared/order-lifecycle';
import type { MaterialPrice } from './material-price';

/**
 * The price rules: pure, no I/O, no clock. Everything is computed in integer
 * minor units and turned into currency units (2 decimals) only at the end,
 * so the lines always add up to the total exactly.
 *
 * - mass = volume x density;
 * - material = mass x price per gram;
 * - labour = setup fee + surface area (cm²) x labour rate x complexity, where
 *   complexity is how much more surface the piece has than a sphere of the
 *   same volume (filigree and thin walls take longer to finish), clamped to
 *   [1, MAX_COMPLEXITY];
 * - the material's minimum price replaces a smaller total.
 */
export interface PricedGeometry {
  volumeMm3: number;
  surfaceAreaMm2: number;
}

export interface CalculatedPrice {
  currency: string;
  /** In currency units, at most 2 decimals. */
  total: number;
  totalMinor: number;
  complexity: number;
  breakdown: PriceBreakdown;
}

export const MAX_COMPLEXITY = 5;

export class UnpriceableGeometryError extends Error {
  override readonly name = 'UnpriceableGeometryError';
}

export function calculatePrice(geometry: PricedGeometry, material: MaterialPrice): CalculatedPrice {
  const { volumeMm3, surfaceAreaMm2 } = geometry;
  if (!(Number.isFinite(volumeMm3) && volumeMm3 > 0) || !(Number.isFinite(surfaceAreaMm2) && surfaceAreaMm2 > 0)) {
    // The geometry validation refuses these first; this keeps the rules total.
    throw new UnpriceableGeometryError(`cannot price a model with volume ${volumeMm3} mm³ and surface ${surfaceAreaMm2} mm²`);
  }
  const massGrams = (volumeMm3 / 1000) * material.densityGramsPerCm3;
  const complexity = complexityOf(volumeMm3, surfaceAreaMm2);
  const surfaceCm2 = surfaceAreaMm2 / 100;

  const materialMinor = Math.round(massGrams * material.pricePerGramMinor);
  const finishingMinor = Math.round(surfaceCm2 * material.labourPerCm2Minor * complexity);
  const labourMinor = material.setupFeeMinor + finishingMinor;
  const computedMinor = materialMinor + labourMinor;
  const minimumApplied = computedMinor < material.minimumPriceMinor;
  const totalMinor = minimumApplied ? material.minimumPriceMinor : computedMinor;

  const lines: PriceLine[] = [
    { label: `${material.name}: ${round(massGrams, 3)} g at ${toUnits(material.pricePerGramMinor)} ${material.currency}/g`, amount: toUnits(materialMinor) },
    { label: 'setup and casting', amount: toUnits(material.setupFeeMinor) },
    {
      label: `finishing: ${round(surfaceCm2, 2)} cm² at ${toUnits(material.labourPerCm2Minor)} ${material.currency}/cm², complexity x${round(complexity, 2)}`,
      amount: toUnits(finishingMinor),
    },
  ];
  if (minimumApplied) {
    lines.push({ label: `minimum price for ${material.name} (${toUnits(material.minimumPriceMinor)} ${material.currency})`, amount: toUnits(totalMinor - computedMinor) });
  }
  return {
    currency: material.currency,
    total: toUnits(totalMinor),
    totalMinor,
    complexity,
    breakdown: {
      material: material.code,
      massGrams: round(massGrams, 3),
      volumeMm3: round(volumeMm3, 3),
      surfaceAreaMm2: round(surfaceAreaMm2, 3),
      materialCost: toUnits(materialMinor),
      labourCost: toUnits(labourMinor),
      minimumApplied,
      lines,
    },
  };
}

/** Surface relative to a sphere of the same volume (1 for a sphere, larger for anything more intricate). */
export function complexityOf(volumeMm3: number, surfaceAreaMm2: number): number {
  const sphereArea = Math.cbrt(Math.PI) * Math.pow(6 * volumeMm3, 2 / 3);
  return Math.min(MAX_COMPLEXITY, Math.max(1, surfaceAreaMm2 / sphereArea));
}

/** Minor units to currency units: exact for integers below 2^53 / 100. */
export function toUnits(minor: number): number {
  return Math.round(minor) / 100;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

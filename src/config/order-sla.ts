import type { OrderStatus } from '../shared/order-lifecycle';

/*
 * Support's stuck-order SLAs: the defaults and the ORDER_SLA syntax. They live with the configuration
 * that reads them (config.ts), so config imports no module; support reads the result from AppSettings.
 */

/** `SUBMITTED=2m,SHIPPED=14d`: per-status SLAs over the defaults. Units s, m, h, d. */
export function parseSlaOverrides(value: string): Partial<Record<OrderStatus, number>> {
  const result: Partial<Record<OrderStatus, number>> = {};
  for (const part of value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const match = /^([A-Z_]+)=(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(part);
    if (!match) throw new Error(`"${part}" is not STATUS=<number><s|m|h|d>`);
    const [, status, amount, unit] = match;
    if (!(status! in DEFAULT_SLA_MS)) throw new Error(`"${status}" is not a non-terminal order status`);
    result[status as OrderStatus] = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return result;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** How long each non-terminal status may last before support should look. */
export const DEFAULT_SLA_MS: Partial<Record<OrderStatus, number>> = {
  INITIATED: 7 * UNIT_MS.d,
  FILE_UPLOADED: 7 * UNIT_MS.d,
  SUBMITTED: 5 * UNIT_MS.m,
  PRICE_CALCULATED: 2 * UNIT_MS.d,
  MANUFACTURING_APPROVED: 1 * UNIT_MS.d,
  MANUFACTURING_STARTED: 3 * UNIT_MS.d,
  MANUFACTURING_COMPLETED: 1 * UNIT_MS.d,
  PACKAGING: 1 * UNIT_MS.d,
  SHIPPED: 14 * UNIT_MS.d,
};

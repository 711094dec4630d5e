import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Prints what a recovery test measured and, when RECOVERY_MEASUREMENTS_DIR is
 * set, writes it there as `<name>.json` (the figures in docs/OPERATIONS.md and
 * docs/BENCHMARKS.md come from these).
 */
export function recordMeasurement(name: string, figures: Record<string, unknown>): void {
  console.log(`[recovery] ${name}: ${JSON.stringify(figures)}`);
  const dir = process.env.RECOVERY_MEASUREMENTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/**
 * The kernel is pure TypeScript (ARCHITECTURE.md, STYLE.md): no Nest, no
 * I/O, no clock, no randomness, and no import from outside the kernel (the
 * build checks that too: `npm run lint:deps`). This guards the folder's
 * production files against a well-meant shortcut.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const production = readdirSync(__dirname).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && name !== 'testing.ts');

describe.each(production)('%s', (name) => {
  const source = readFileSync(join(__dirname, name), 'utf8');

  it('imports nothing from outside the kernel: no framework, no I/O, none of our other code', () => {
    const imports = [...source.matchAll(/^(?:import|export)\s+[^;]*?from\s+'([^']+)';/gms)].map((m) => m[1]!);
    for (const from of imports) expect(from).toMatch(/^\.\/[^/]+$/);
  });

  it('reads no clock and draws no random numbers', () => {
    expect(source).not.toMatch(/new Date\(|Date\.now\(|Math\.random\(|randomUUID|performance\.now|process\./);
  });
});

/**
 * The kernel is pure TypeScript (ARCHITECTURE.md, STYLE.md): no Nest, no
 * I/O, no clock, no randomness, and types only from infrastructure. This
 * guards the folder's production files against a well-meant shortcut.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const production = readdirSync(__dirname).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && name !== 'testing.ts');

describe.each(production)('%s', (name) => {
  const source = readFileSync(join(__dirname, name), 'utf8');

  it('imports only types from outside the kernel, and no framework or I/O', () => {
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2]! }));
    for (const { typeOnly, from } of imports) {
      if (from.startsWith('./')) continue;
      expect({ from, typeOnly }).toEqual({ from, typeOnly: true });
      expect(from).toMatch(/^\.\.\/\.\.\/infrastructure\/event-store\/event-store\.port$/);
    }
  });

  it('reads no clock and draws no random numbers', () => {
    expect(source).not.toMatch(/new Date\(|Date\.now\(|Math\.random\(|randomUUID|performance\.now|process\./);
  });
});

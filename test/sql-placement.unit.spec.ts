import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Repositories own SQL (issue 20 item 4; src/infrastructure/database/database.ts
 * says what the one access style is). Reads the source, so the rule stays
 * true without anyone remembering it: a failure lists the offending files.
 */
const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [relative(ROOT, path)] : [];
  });
}

const FILES = sources(join(ROOT, 'src')).map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

/** Where a `.query(` call may stand, and why. */
const MAY_RUN_SQL: Array<[RegExp, string]> = [
  [/\.repository\.ts$/, 'a repository: the place for SQL'],
  [/^src\/infrastructure\/database\//, 'the Database itself, read replicas and the migration lock'],
  [/^src\/infrastructure\/event-store\/(postgres|copy)\//, 'the event store adapter and its copy tool: they are the store'],
  [/\/migrations\//, 'migrations: they are the schema'],
  [/^src\/projections\/(runtime|rebuild)\//, "the projector's machinery: checkpoints, batches, rebuilds, on its own connections"],
  [/^src\/projections\/read-models\/.*\.read-model\.ts$/, 'a read model applying events inside the projector transaction'],
  [/^src\/(main\.ts|cli\/)/, 'creating the database before the app (or a CLI) runs'],
];

/** Where SQL text may be written inline in the call rather than as a named statement: transaction control and DDL. */
const MAY_INLINE_SQL: Array<[RegExp, string]> = [
  [/^src\/infrastructure\/database\//, 'WAL positions, the migration lock'],
  [/^src\/infrastructure\/event-store\/(postgres|copy)\//, 'the store'],
  [/\/migrations\//, 'DDL'],
  [/^src\/projections\/(runtime|rebuild)\//, 'BEGIN/COMMIT, savepoints, LISTEN, DDL of a rebuild'],
  [/^src\/projections\/runtime\/read-model-database\.ts$/, 'transaction control'],
  [/^src\/(main\.ts|cli\/)/, 'CREATE DATABASE'],
];

const QUERY_CALL = /\.query\s*[<(]/;
const INLINE_SQL = /\.query\s*(<[^()]*?>)?\(\s*['"`]/;
const ORM_SQL = /createQueryBuilder|getRepository|\.manager\.|dataSource\.query|\.transaction\(\s*async\s*\(\s*manager/;

describe('SQL placement', () => {
  it('runs SQL only in repositories, the stores and the projector (not in services, subscribers, inspectors or metrics)', () => {
    const offenders = FILES.filter(({ path, text }) => QUERY_CALL.test(text) && !MAY_RUN_SQL.some(([allowed]) => allowed.test(path))).map(({ path }) => path);
    expect(offenders).toEqual([]);
  });

  it('passes named statements ({ name, text }), not SQL strings', () => {
    const offenders = FILES.filter(({ path, text }) => INLINE_SQL.test(text) && !MAY_INLINE_SQL.some(([allowed]) => allowed.test(path))).map(({ path }) => path);
    expect(offenders).toEqual([]);
  });

  it('has one access style: no TypeORM query strings, query builders or entity repositories outside the database module', () => {
    const offenders = FILES.filter(({ path, text }) => ORM_SQL.test(text) && !path.startsWith('src/infrastructure/database/')).map(({ path }) => path);
    expect(offenders).toEqual([]);
  });

  it('names every statement once: PostgreSQL keeps one plan per name and connection', () => {
    const seen = new Map<string, string[]>();
    for (const { path, text } of FILES) {
      for (const match of text.matchAll(/\bname:\s*(['"`])([a-z0-9_]+)\1,\s*text:/g)) seen.set(match[2]!, [...(seen.get(match[2]!) ?? []), path]);
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter(([, paths]) => paths.length > 1)).toEqual([]);
  });
});

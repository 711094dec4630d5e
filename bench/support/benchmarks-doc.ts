import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'BENCHMARKS.md');
const DOC_FROM_SOURCE = join(process.cwd(), 'docs', 'BENCHMARKS.md');

const HEADER = `# Benchmarks

Each section is written by its benchmark (\`bench/<name>\`), which measures its
baseline side by side in the same run: compare the ratios, not the absolute
times, since the machine is shared and noisy. Re-run the command shown in a
section to refresh it.
`;

/** Describes the machine a figure was measured on, for the section footer. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/**
 * Replaces (or appends) the section `name` of docs/BENCHMARKS.md, between
 * `<!-- bench:name -->` markers, leaving the other benchmarks' sections alone.
 */
export function writeBenchmarkSection(name: string, markdown: string): string {
  const path = existsSync(DOC) || !existsSync(DOC_FROM_SOURCE) ? DOC : DOC_FROM_SOURCE;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next = start >= 0 && stop > start ? current.slice(0, start) + section + current.slice(stop + end.length) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
  return path;
}

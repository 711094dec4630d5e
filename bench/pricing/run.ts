/**
 * Pricing budget: a 1,000,000-triangle binary STL parsed, validated
 * (watertight) and priced in no more time than `admesh` (Debian package)
 * takes to check the same file, with peak memory under 300 MB.
 *
 *   npm run bench:pricing
 *   (package.json: "bench:pricing": "npm run -s build && node --expose-gc dist/bench/pricing/run.js")
 *
 * Both sides start from the file on disk: admesh is run as a process (its
 * default full check); ours runs in this process after one warm-up, in the
 * two ways pricing can read a stored model: streamed (the blob's stream
 * into ModelStreamAnalyzer, which decodes binary STL chunk by chunk) and
 * whole (the file into one Buffer, then analyzeModel). Each does parse, weld,
 * edge topology, validation and measures, plus the metal mass the price is
 * built on. Peak memory of each is the max RSS that /usr/bin/time reports
 * for a separate process; ours is given above an idle Node process, since
 * the budget is about what the work costs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel, type ModelAnalysis } from '../../src/modules/pricing/geometry/analyze';
import { ring, ringProfile, type RingOptions } from '../../src/modules/pricing/geometry/generators';
import { ModelStreamAnalyzer } from '../../src/modules/pricing/geometry/model-stream';
import { toBinaryStl } from '../../src/modules/pricing/geometry/stl-writer';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';

const RUNS = 5;
const TARGET_TRIANGLES = 1_000_000;
const MEMORY_TARGET_MB = 300;
const COMMAND = 'npm run bench:pricing';
/** 18-carat gold, g/mm³: the mass the price rules multiply. Illustrative; the rules live in pricing. */
const GOLD_750_DENSITY_G_PER_MM3 = 0.0155;
const TIME = '/usr/bin/time';
const CHUNK_BYTES = 1 << 20;

type Way = 'streamed' | 'whole';
const WAYS: readonly Way[] = ['streamed', 'whole'];

interface OnceResult {
  readonly ms: number;
  readonly analysis: ModelAnalysis;
  readonly massG: number;
}

function main(): void {
  if (process.argv[2] === '--once') {
    // Child mode for the memory figure: one cold run, the answer on stdout.
    const result = analyzeFile(process.argv[3] as Way, process.argv[4]!);
    process.stdout.write(JSON.stringify({ ms: result.ms, ok: result.analysis.ok }));
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'alexandrite-bench-pricing-'));
  try {
    run(join(directory, 'ring-1m.stl'));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function run(file: string): void {
  const options = benchmarkRing();
  writeFileSync(file, toBinaryStl(ring(options)));
  const sizeMb = statSync(file).size / 2 ** 20;

  const admesh = timeAdmesh(file);
  const ours = { streamed: timeOurs('streamed', file), whole: timeOurs('whole', file) };
  const memory = peakMemory(file);

  const markdown = report({ options, sizeMb, admesh, ours, memory });
  console.log(markdown);
  console.log(`\nwritten to ${writeBenchmarkSection('pricing', markdown)}`);
}

/** A comfort-fit band ring with enough segments around the finger for ~1M triangles. */
function benchmarkRing(): RingOptions {
  const base = { innerDiameterMm: 17.3, widthMm: 4, thicknessMm: 1.8, cornerRadiusMm: 0.7, cornerSegments: 15 };
  const trianglesPerSegment = 2 * ringProfile(base).length;
  return { ...base, segments: Math.ceil(TARGET_TRIANGLES / trianglesPerSegment) };
}

interface Timing {
  readonly medianMs: number;
  readonly runsMs: readonly number[];
}

function timeAdmesh(file: string): Timing & { readonly volume: string; readonly parts: string } {
  const admesh = (): { ms: number; stdout: string } => {
    const start = process.hrtime.bigint();
    const child = spawnSync('admesh', [file], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.error || child.status !== 0) throw new Error(`admesh failed (is the Debian package installed?): ${child.error?.message ?? child.stderr}`);
    return { ms, stdout: child.stdout };
  };
  const warmUp = admesh(); // the same page-cache state ours gets
  const runsMs = Array.from({ length: RUNS }, () => admesh().ms);
  return {
    medianMs: median(runsMs),
    runsMs,
    volume: /Volume\s*:\s*([-\d.]+)/.exec(warmUp.stdout)?.[1] ?? '?',
    parts: /Number of parts\s*:\s*(\d+)/.exec(warmUp.stdout)?.[1] ?? '?',
  };
}

function timeOurs(way: Way, file: string): Timing & { readonly last: OnceResult } {
  analyzeFile(way, file); // warm-up: JIT and page cache
  const results: OnceResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    results.push(analyzeFile(way, file));
  }
  const runsMs = results.map((result) => result.ms);
  return { medianMs: median(runsMs), runsMs, last: results[results.length - 1]! };
}

function analyzeFile(way: Way, file: string): OnceResult {
  const start = process.hrtime.bigint();
  const analysis = way === 'streamed' ? analyzeStreamed(file) : analyzeModel(readFileSync(file));
  const massG = analysis.ok ? analysis.volumeMm3 * GOLD_750_DENSITY_G_PER_MM3 : NaN;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, analysis, massG };
}

/** The file read in 1 MiB chunks through one reused buffer, as a blob stream would deliver it. */
function analyzeStreamed(file: string): ModelAnalysis {
  const fd = openSync(file, 'r');
  try {
    const analyzer = new ModelStreamAnalyzer(fstatSync(fd).size);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) analyzer.push(chunk.subarray(0, read));
    return analyzer.finish();
  } finally {
    closeSync(fd);
  }
}

interface Memory {
  readonly oursMb: Readonly<Record<Way, number>>;
  readonly idleNodeMb: number;
  readonly admeshMb: number;
}

function peakMemory(file: string): Memory | null {
  if (!existsSync(TIME)) return null;
  return {
    oursMb: {
      streamed: maxRssMb(process.execPath, [__filename, '--once', 'streamed', file]),
      whole: maxRssMb(process.execPath, [__filename, '--once', 'whole', file]),
    },
    idleNodeMb: maxRssMb(process.execPath, ['-e', '0']),
    admeshMb: maxRssMb('admesh', [file]),
  };
}

/** Max RSS of a process as GNU time reports it (`%M`, KiB), on the last line of stderr. */
function maxRssMb(command: string, args: readonly string[]): number {
  const child = spawnSync(TIME, ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const kib = Number(child.stderr.trim().split('\n').pop());
  if (child.status !== 0 || !Number.isFinite(kib)) throw new Error(`measuring ${command} failed: ${child.stderr}`);
  return kib / 1024;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface ReportInput {
  readonly options: RingOptions;
  readonly sizeMb: number;
  readonly admesh: ReturnType<typeof timeAdmesh>;
  readonly ours: Readonly<Record<Way, ReturnType<typeof timeOurs>>>;
  readonly memory: Memory | null;
}

const WAY_LABEL: Readonly<Record<Way, string>> = {
  streamed: 'ours, streamed (`ModelStreamAnalyzer`, 1 MiB chunks)',
  whole: 'ours, whole file (`readFileSync` + `analyzeModel`)',
};

function report({ options, sizeMb, admesh, ours, memory }: ReportInput): string {
  const analysis = ours.streamed.last.analysis;
  const ms = (values: readonly number[]): string => values.map((value) => value.toFixed(0)).join(', ');
  const ratio = (way: Way): number => ours[way].medianMs / admesh.medianMs;
  const verdict = (met: boolean): string => (met ? 'met' : '**NOT met**');
  const lines = [
    '## Pricing: 1M-triangle binary STL vs admesh',
    '',
    `Model: ring (inner diameter ${options.innerDiameterMm} mm, ${options.segments} segments), ` +
      `${analysis.triangleCount.toLocaleString('en')} triangles, ${sizeMb.toFixed(1)} MiB binary STL, read from disk by both sides.`,
    `Ours: parse, weld, edge topology, validation, measures and metal mass, in process, median of ${RUNS} runs after one warm-up. ` +
      `admesh: \`admesh <file>\` (its default full check), median of ${RUNS} runs after one warm-up.`,
    '',
    '| | median | runs (ms) | ours / admesh (target ≤ 1.00) |',
    '| --- | ---: | --- | ---: |',
    `| admesh ${admeshVersion()} | ${admesh.medianMs.toFixed(0)} ms | ${ms(admesh.runsMs)} | |`,
    ...WAYS.map((way) => `| ${WAY_LABEL[way]} | ${ours[way].medianMs.toFixed(0)} ms | ${ms(ours[way].runsMs)} | ${ratio(way).toFixed(2)}: ${verdict(ratio(way) <= 1)} |`),
    '',
    ...(memory
      ? [
          `Peak memory (max RSS of a fresh process, /usr/bin/time; target < ${MEMORY_TARGET_MB} MB above an idle Node process, ${memory.idleNodeMb.toFixed(0)} MiB):`,
          ...WAYS.map((way) => {
            const above = memory.oursMb[way] - memory.idleNodeMb;
            return `- ${WAY_LABEL[way]}: ${memory.oursMb[way].toFixed(0)} MiB, ${above.toFixed(0)} MiB above idle: ${verdict(above < MEMORY_TARGET_MB)}`;
          }),
          `- admesh: ${memory.admeshMb.toFixed(0)} MiB`,
        ]
      : ['Peak memory: not measured (/usr/bin/time missing).']),
    '',
    `Cross-check: ours ok=${analysis.ok}, ${analysis.shellCount} shell, ${analysis.issues.length} issues, ` +
      `volume ${analysis.volumeMm3.toFixed(3)} mm³ (${ours.streamed.last.massG.toFixed(2)} g of 750 gold); ` +
      `admesh ${admesh.parts} part, volume ${admesh.volume} mm³ (it sums in float32).`,
    '',
    `Command: \`${COMMAND}\`. Machine: ${machineLine()}.`,
  ];
  return lines.join('\n');
}

function admeshVersion(): string {
  const child = spawnSync('admesh', ['--version'], { encoding: 'utf8' });
  return /version\s+([\d.]+)/i.exec(`${child.stdout}${child.stderr}`)?.[1] ?? '';
}

main();

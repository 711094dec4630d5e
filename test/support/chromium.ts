import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

// The page tests' browser is the Chromium (a headless-shell build) shipped inside the npm package
// @sparticuz/chromium (a devDependency), so `npm ci && npm test` needs no browser on the machine.
// CHROMIUM_PATH overrides it; no browser that happens to be installed is ever looked for.

/** The installed package's folder; its bin/ holds the brotli archives (chromium.br, fonts.tar.br, swiftshader.tar.br, al2023.tar.br). */
function packageDir(): string {
  return join(dirname(require.resolve('@sparticuz/chromium')), '..');
}

/** Fails early, with the fix, when there is no Chromium to launch (before a test starts its app). */
export function assertChromiumInstalled(): void {
  const override = process.env.CHROMIUM_PATH;
  if (override !== undefined) {
    if (!existsSync(override)) throw new Error(`no Chromium at CHROMIUM_PATH=${override} (unset it to use the one from the npm package @sparticuz/chromium)`);
    return;
  }
  let bin: string;
  try {
    bin = join(packageDir(), 'bin', 'chromium.br');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('no Chromium: the npm package @sparticuz/chromium is not installed (run npm ci)');
  }
  if (!existsSync(bin)) throw new Error(`no Chromium: ${bin} is missing (run npm ci)`);
}

// Extraction runs the package's own executablePath() in a child process whose TMPDIR is a fresh
// staging folder: the package writes straight into tmpdir() and treats any existing tmpdir()/chromium
// as done, so two test files extracting at once into a shared /tmp could launch a half-written binary.
// The staging folder, once complete, is renamed into place (atomic; a loser of the race drops its copy).
// Also extracted: al2023.tar.br, the package's NSS/NSPR/expat libraries (the binary's only shared
// libraries besides glibc's), put first on LD_LIBRARY_PATH so no Debian package is needed for them.
const EXTRACT = `
const { default: chromium, inflate } = await import(process.argv[1]);
const exe = await chromium.executablePath();
await inflate(process.argv[2]);
process.stdout.write(exe);
`;

interface Extracted {
  executable: string;
  dir: string;
}

async function extractedChromium(): Promise<Extracted> {
  const pkg = packageDir();
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const cache = join(pkg, '..', '..', '.cache');
  const dir = join(cache, `sparticuz-chromium-${version}`);
  const done = { executable: join(dir, 'chromium'), dir };
  if (existsSync(dir)) return done;

  await mkdir(cache, { recursive: true });
  const staging = await mkdtemp(join(cache, `sparticuz-chromium-${version}.partial-`));
  try {
    const entry = pathToFileURL(require.resolve('@sparticuz/chromium')).href;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', EXTRACT, entry, join(pkg, 'bin', 'al2023.tar.br')], {
      env: { ...process.env, TMPDIR: staging },
    });
    if (stdout !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium extracted to ${stdout}, expected ${join(staging, 'chromium')}`);
    // The package's fonts.conf names /tmp/fonts; this one names the fonts as they will lie in `dir`.
    await writeFile(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (existsSync(dir)) return done; // another test file finished first
    throw error;
  }
  return done;
}

/** Flags for every launch: root in a container, and no way out to the network. */
const ARGS = [
  '--no-sandbox', // tests may run as root in a container
  '--disable-setuid-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  // No traffic of Chromium's own: background requests, component updates, sync, first-run, QUIC, pings.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-domain-reliability',
  '--no-pings',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost', // the tests use 127.0.0.1; every other host fails
  // From @sparticuz/chromium's recommended list. Left out: --single-process (a Lambda workaround),
  // --disable-web-security, --allow-running-insecure-content and site isolation off (the page must
  // meet the browser's rules as a user's browser has them), and the WebGL/SwiftShader flags (no WebGL here).
  '--no-default-browser-check',
  '--font-render-hinting=none',
];

/** Headless Chromium as the page tests run it. */
export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  const override = process.env.CHROMIUM_PATH;
  if (override !== undefined) return chromium.launch({ executablePath: override, args: ARGS });
  const { executable, dir } = await extractedChromium();
  const libs = join(dir, 'al2023', 'lib');
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ? `${libs}:${process.env.LD_LIBRARY_PATH}` : libs,
    FONTCONFIG_FILE: join(dir, 'fonts.conf'),
  };
  return chromium.launch({ executablePath: executable, args: ARGS, env });
}

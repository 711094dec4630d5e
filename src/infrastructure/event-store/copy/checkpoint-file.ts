import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactUrl } from '../event-store-url';
import type { CopyCheckpoint } from './copy-events';

interface CheckpointContent {
  version: 1;
  /** Redacted, for the person who finds the file; the file name binds it to the exact pair of URLs. */
  source: string;
  target: string;
  position: string;
  updatedAt: string;
}

/**
 * The copy's checkpoint as a small JSON file, replaced atomically (write,
 * then rename). A file rather than a table or stream in the target, so the
 * target holds nothing but the copied streams, whichever adapter it is.
 * Losing the file only costs time: a copy from the beginning finds every
 * event already there (idempotent appends) and the verification still holds.
 */
export class CheckpointFile implements CopyCheckpoint {
  constructor(
    readonly path: string,
    private readonly sourceUrl: string,
    private readonly targetUrl: string,
  ) {}

  /** `.data/events-copy/<hash of the two URLs>.json` under `baseDir`: one checkpoint per (source, target) pair. */
  static defaultPath(baseDir: string, sourceUrl: string, targetUrl: string): string {
    const key = createHash('sha256').update(`${sourceUrl}\n${targetUrl}`).digest('hex').slice(0, 16);
    return join(baseDir, '.data', 'events-copy', `${key}.json`);
  }

  async load(): Promise<bigint | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const content = JSON.parse(text) as Partial<CheckpointContent>;
    if (content.version !== 1 || typeof content.position !== 'string' || !/^\d+$/.test(content.position)) {
      throw new Error(`checkpoint ${this.path} is not a events:copy checkpoint (delete it to copy from the beginning)`);
    }
    if (content.source !== redactUrl(this.sourceUrl) || content.target !== redactUrl(this.targetUrl)) {
      throw new Error(`checkpoint ${this.path} belongs to a copy from ${content.source} to ${content.target}`);
    }
    return BigInt(content.position);
  }

  async save(position: bigint): Promise<void> {
    const content: CheckpointContent = {
      version: 1,
      source: redactUrl(this.sourceUrl),
      target: redactUrl(this.targetUrl),
      position: String(position),
      updatedAt: new Date().toISOString(),
    };
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
    await rename(temporary, this.path);
  }
}

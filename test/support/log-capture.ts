import type { INestApplication } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { symbols } from 'pino';

export interface LogCapture {
  /** The JSON lines written since the capture started. */
  readonly lines: Record<string, unknown>[];
  /** Puts the stream's own write back. */
  restore(): void;
}

/**
 * Captures what the app's pino logger writes (the destination stream is
 * shared by every child logger) at `level`. Start the app with
 * LOG_FORMAT=json. The stream may be the worker's process.stdout, which
 * later test files share: other writers' lines pass through, and restore()
 * puts the original back.
 */
export async function captureAppLogs(app: INestApplication, level = 'info'): Promise<LogCapture> {
  const root = (await app.resolve(PinoLogger)).logger as unknown as Record<symbol, { write: (line: string) => boolean }>;
  const stream = root[symbols.streamSym] as { write: (line: string) => boolean };
  const write = stream.write;
  const lines: Record<string, unknown>[] = [];
  stream.write = (line: string) => {
    if (!line.startsWith('{')) return write.call(stream, line);
    lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  (root as unknown as { level: string }).level = level;
  return {
    lines,
    restore: () => {
      stream.write = write;
    },
  };
}

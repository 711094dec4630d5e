import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __embeddedPostgres?: { stop(): Promise<void> }; __embeddedPostgresDir?: string };
  if (state.__embeddedPostgres) await state.__embeddedPostgres.stop();
  if (state.__embeddedPostgresDir) await rm(state.__embeddedPostgresDir, { recursive: true, force: true });
}

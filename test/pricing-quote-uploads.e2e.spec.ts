import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect, type Socket } from 'node:net';
import { createPartnerKey } from './support/partner-keys';
import { until } from './support/until';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

const MB = 1_000_000;

const quote = (app: TestApp, apiKey: string, body: Buffer) =>
  app.request('/api/partner/v1/quotes?material=GOLD_750', { method: 'POST', body, headers: { 'x-api-key': apiKey, 'content-type': 'application/octet-stream' } });

/** A full garbage collection: what is left is what the process holds, not the chunks already streamed on. */
const collectGarbage = (() => {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
})();

/** Bytes the process holds outside of code: the JS heap and Buffers (a buffered upload shows in arrayBuffers). */
function heldBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * A quote upload that declares `declaredBytes` (a binary STL whose triangle count matches), sends
 * `sentBytes` of it and then stalls; resolves once the bytes are written to the socket.
 */
async function stalledUpload(app: TestApp, apiKey: string, declaredBytes: number, sentBytes: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(app.baseUrl);
  const socket = connect(Number(port), hostname);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(answer)));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const header = Buffer.alloc(84);
  header.writeUInt32LE((declaredBytes - 84) / 50, 80);
  socket.write(
    `POST /api/partner/v1/quotes?material=GOLD_750 HTTP/1.1\r\nhost: ${hostname}\r\nx-api-key: ${apiKey}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${declaredBytes}\r\n\r\n`,
  );
  socket.write(header);
  const triangles = Buffer.alloc(MB); // 20 000 degenerate triangles: readable, never reaching the geometry
  for (let sent = 84; sent < sentBytes; sent += MB) {
    if (!socket.write(triangles)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  return { socket, closed };
}

describe('partner quote uploads (issue 24, item 8)', () => {
  describe('large quote uploads whose clients stall', () => {
    let app: TestApp;

    beforeAll(async () => {
      // The server closes a connection idle this long: a stalled upload ends in seconds, not 30.
      app = await startTestApp({ HTTP_IDLE_TIMEOUT_MS: '2000', MAX_MODEL_BYTES: String(50 * MB) });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('are streamed, not held in memory, bounded per key (429 + Retry-After), and free their slot once ended', async () => {
      const keys = await Promise.all([0, 1, 2, 3].map(async (n) => (await createPartnerKey(app, `stall-${n}`, { rps: 1000 })).key));
      // Warm up the route (code, pools) before measuring.
      expect((await quote(app, keys[0]!, boxStl())).status).toBe(200);
      const before = heldBytes();

      // 8 uploads that declare 40 MB, send 10 MB each and stall: two per key.
      const uploads = await Promise.all(keys.flatMap((key) => [stalledUpload(app, key, 40 * MB + 84, 10 * MB), stalledUpload(app, key, 40 * MB + 84, 10 * MB)]));
      await new Promise((resolve) => setTimeout(resolve, 500)); // the server reads what was sent
      const growth = heldBytes() - before;
      // Buffered, the 80 MB received would all be held; streamed to storage, next to nothing is.
      expect(growth).toBeLessThan(30 * MB);

      // A third upload on a key with two in flight is refused at once.
      const third = await quote(app, keys[0]!, boxStl());
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await third.json()).toMatchObject({ code: 'QUOTE_UPLOADS_BUSY' });

      // The stalled bodies are ended by the server's idle timeout; their slots are free again.
      await Promise.all(uploads.map((upload) => upload.closed));
      const after = await until(
        async () => {
          const response = await quote(app, keys[0]!, boxStl());
          return response.status === 200 ? response : undefined;
        },
        'the stalled uploads to release their slots',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(await after.json()).toMatchObject({ status: 'done' });
      for (const upload of uploads) upload.socket.destroy();
    }, 60_000);
  });
});

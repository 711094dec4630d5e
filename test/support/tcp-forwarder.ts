import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpForwarder {
  /** The port clients connect to (127.0.0.1). */
  readonly port: number;
  /** New connections go to `targetPort` from now on; those open to the old target are cut, as when its pod is gone. */
  switchTo(targetPort: number): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder on 127.0.0.1 that plays a Kubernetes Service in front of
 * the database: the app connects to it and never learns which server is
 * behind. A connection to a dead target is closed at once (the client sees a
 * reset, as with a Service whose endpoint is gone), never left hanging.
 */
export async function startTcpForwarder(targetPort: number): Promise<TcpForwarder> {
  let target = targetPort;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    open.add(client);
    open.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    switchTo(targetPort: number) {
      target = targetPort;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

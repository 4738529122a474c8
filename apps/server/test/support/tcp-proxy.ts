import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a service, whose link a test cuts and restores. */
export interface TcpProxy {
  /** The port on 127.0.0.1 to connect to instead of the service's. */
  readonly port: number;
  /** Drops every open connection and refuses new ones (accepted, then closed at once). */
  cut(): void;
  /** Lets new connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free port that forwards every connection to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let linked = true;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const server = createServer((client) => {
    if (!linked) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends both, as a broken link would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      linked = false;
      dropAll();
    },
    restore: () => {
      linked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        linked = false;
        dropAll();
        server.close(() => resolve());
      }),
  };
}

import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP path to a server that a test can cut and restore, like a laptop losing and regaining its network. */
export interface NetworkLink {
  /** The address to give `shop`: the link's own port, forwarding to the server. */
  url: string;
  /** Drops every open connection and refuses new ones (ECONNREFUSED), as an unreachable server would. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same address. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Puts a plain TCP forwarder in front of a real server, so in-process tests can make it unreachable and reachable
 * again at the same URL — which `shop` ties queued changes to — without stopping the server or losing its in-memory
 * database. Bytes pass through untouched: nothing here stands in for the server.
 */
export async function openNetworkLink(target: string): Promise<NetworkLink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (on: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const ownPort = (server.address() as AddressInfo).port;
  let open = true;
  const cut = async () => {
    if (!open) {
      return;
    }
    open = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) {
      socket.destroy();
    }
    await closed;
  };
  return {
    url: `http://127.0.0.1:${ownPort}`,
    cut,
    async restore() {
      if (!open) {
        await listen(ownPort);
        open = true;
      }
    },
    close: cut,
  };
}

// A TCP proxy in front of Postgres, to lose the connection on cue: cut() drops every open connection (new
// ones are still accepted), dropNext(n) closes the next n connections as soon as they are made, down()
// drops every connection and refuses new ones until up() (Postgres unreachable from one process only).
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** The target URL with the proxy's port. */
  url: string;
  cut(): void;
  dropNext(n: number): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let drop = 0;
  let isDown = false;
  const server = net.createServer((client) => {
    if (isDown || drop > 0) {
      if (!isDown) drop--;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.port = String(port);
  // through the proxy, not the embedded server's Unix socket (D562)
  url.searchParams.delete('host');
  const cut = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    port,
    url: url.toString(),
    cut,
    dropNext: (n) => {
      drop = n;
    },
    down: () => {
      isDown = true;
      cut();
    },
    up: () => {
      isDown = false;
    },
    close: () => {
      cut();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// Otto's app on a real socket (the fuzz targets, the integration tests).
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Koa<never> | Koa): Promise<Listening> {
  const server: Server = createServer((app as Koa).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

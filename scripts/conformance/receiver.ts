// The kit's own listener (--listen PORT): Shunya's webhooks arrive at POST /api/v1/shunya/webhook, the
// path §13.5 names, and are kept raw with their headers and arrival times; the kit decides each answer
// (to refuse first deliveries and watch the retries, §13.5.5). It also serves the synthetic test audio
// the checks submit (audio.ts), so that a real Shunya can fetch it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveAudio } from './audio.ts';

export const WEBHOOK_PATH = '/api/v1/shunya/webhook';

export interface Delivery {
  n: number;
  path: string;
  method: string;
  headers: Record<string, string>;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: any JSON
  json: any;
  /** Real milliseconds (performance.now()) at arrival and when the kit's answer was written. */
  receivedMs: number;
  answeredMs: number;
  /** Wall-clock epoch ms at arrival (to judge X-Shunya-Timestamp). */
  wallMs: number;
  answer: number;
}

/** Chooses the status the kit answers a delivery with. */
export type Decide = (d: Delivery) => number;

export class Receiver {
  readonly deliveries: Delivery[] = [];
  private waiters: { test: (d: Delivery) => boolean; resolve: (d: Delivery) => void }[] = [];
  private server: Server | undefined;
  decide: Decide = () => 200;
  port = 0;

  async listen(port: number, host: string): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
  }

  /** The first delivery (already received or future) that passes `test`, or null at `deadlineMs`. */
  waitFor(test: (d: Delivery) => boolean, deadlineMs: number): Promise<Delivery | null> {
    const seen = this.deliveries.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(null);
        },
        Math.max(0, deadlineMs - performance.now()),
      );
      const waiter = {
        test,
        resolve: (d: Delivery) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kit');
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (url.pathname.startsWith('/audio/')) return serveAudio(url, req, res);
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const d: Delivery = {
      n: this.deliveries.length + 1,
      path: url.pathname,
      method: req.method ?? 'POST',
      headers,
      raw,
      json,
      receivedMs: performance.now(),
      answeredMs: 0,
      wallMs: Date.now(),
      answer: 404,
    };
    d.answer = d.path === WEBHOOK_PATH && d.method === 'POST' ? this.decide(d) : 404;
    this.deliveries.push(d);
    const body =
      d.answer < 300
        ? { status: 'processed' }
        : { success: false, error: { error_code: 'KIT_REFUSED', message: 'refused by the conformance kit' } };
    // Taken before the answer is written: Shunya cannot have it earlier, so a retry's gap measured from
    // here is never shorter than the delay Shunya waited (13.5.5).
    d.answeredMs = performance.now();
    res.writeHead(d.answer, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    for (const w of [...this.waiters])
      if (w.test(d)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(d);
      }
  }
}

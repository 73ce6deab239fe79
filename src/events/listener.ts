// One LISTEN connection per process, shared by the outbox relay and the event stream. It reconnects with
// backoff when Postgres goes away (e.g. a restart) and tells subscribers to catch up when it is back.
import pg from 'pg';
import type { Logger } from '../logger.ts';

type Handler = (payload: string) => void;

export class PgListener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private stopped = false;
  private retryMs = 250;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  on(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called after every (re)connection: notifications may have been missed meanwhile. */
  onConnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
      for (const channel of this.handlers.keys())
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (e) {
      await client.end().catch(() => {});
      this.logger.warn({ err: e, retry_ms: this.retryMs }, 'LISTEN connection failed; retrying');
      this.scheduleReconnect();
      return;
    }
    this.retryMs = 250;
    this.client = client;
    client.on('notification', (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    client.on('error', (e) => {
      this.logger.warn({ err: e }, 'LISTEN connection lost; reconnecting');
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      this.scheduleReconnect();
    });
    for (const h of this.reconnectHandlers) h();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 5000);
    setTimeout(() => void this.connect(), delay).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}

// Every tenant keeps an event stream (SSE) open throughout the chaos run, reconnecting with Last-Event-ID
// (to the next API process, when the one it used was killed), and records what it received.
import { openSse } from '../lib/sse-client.ts';
import type { ChaosTenant } from './load.ts';
import type { Figures } from './report.ts';

export interface Received {
  id: number;
  company_id: string;
  type: string;
}

export interface Streams {
  received: Map<string, Received[]>;
  stop(): Promise<void>;
}

export function consumeStreams(tenants: ChaosTenant[], apiUrls: string[], figures: Figures): Streams {
  let stopping = false;
  const stopSignals: (() => void)[] = [];
  const received = new Map<string, Received[]>(tenants.map((t) => [t.id, []]));
  const loops = tenants.map(async (t, i) => {
    let lastId = '0';
    let api = i;
    const events = received.get(t.id) as Received[];
    while (!stopping) {
      try {
        const sse = await openSse(`${apiUrls[api % apiUrls.length]}/api/v1/events`, {
          authorization: `Bearer ${t.token}`,
          'last-event-id': lastId,
        });
        let seen = 0;
        const drain = () => {
          for (; seen < sse.events.length; seen++) {
            const e = sse.events[seen];
            if (!e?.id) continue;
            const data = JSON.parse(e.data) as { company_id: string; type: string };
            events.push({ id: Number(e.id), company_id: data.company_id, type: data.type });
            lastId = e.id;
            figures.sse.received++;
          }
        };
        const timer = setInterval(drain, 200);
        if (sse.status === 200)
          await Promise.race([sse.ended, new Promise<void>((r) => stopSignals.push(r))]);
        clearInterval(timer);
        drain();
        sse.close();
      } catch {
        // the API refused or the connection failed: reconnect, to another API process
      }
      if (!stopping) {
        figures.sse.reconnects++;
        api++;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  return {
    received,
    async stop() {
      stopping = true;
      for (const s of stopSignals.splice(0)) s();
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

// A minimal Server-Sent Events client over fetch (tests, the demo, the chaos run): collects events, waits
// for a count, and says when the stream ended.
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseClient {
  status: number;
  events: SseEvent[];
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Settles when the stream ends, whoever ended it (the server, the network, or close()). */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    const decoder = new TextDecoder();
    let buffer = '';
    ended = (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let i = buffer.indexOf('\n\n');
          while (i >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const e: SseEvent = { id: undefined, event: undefined, data: '' };
            let hasData = false;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) {
                e.data += line.slice(6);
                hasData = true;
              }
            }
            if (hasData) {
              events.push(e);
              for (const w of waiters.splice(0)) w();
            }
            i = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: res.status,
    events,
    ended,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return events.slice(0, count);
    },
    close: () => controller.abort(),
  };
}

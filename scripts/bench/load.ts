// Open-loop load: CallRail post-call webhooks at a fixed rate (whatever Otto's latency), round-robin
// over tenants, signed as CallRail signs them. Returns what was sent and each trigger's response time.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { callRailPayload, callRailSignature, phoneNumber } from '../../wire/index.ts';
import type { Tenant } from '../lib/tenants.ts';

export type { Tenant } from '../lib/tenants.ts';

export interface Sent {
  tenant: string;
  callId: string | null;
  status: number;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export function postCall(ottoUrl: string, t: Tenant, audioSeconds = 240): Promise<Sent> {
  const body = JSON.stringify(
    callRailPayload({
      resourceId: `CAL${randomUUID().replace(/-/g, '')}`,
      callrailCompanyId: t.callrailCompanyId,
      answered: true,
      direction: 'inbound',
      durationSeconds: audioSeconds,
      recordingUrl: `https://recordings.example.com/${randomUUID()}.mp3?duration_s=${audioSeconds}`,
      customerPhone: phoneNumber(Math.random()),
      customerName: 'Bench Customer',
    }),
  );
  const signature = callRailSignature(t.signingKey, body);
  const started = performance.now();
  const url = new URL('/webhooks/callrail/call.completed', ottoUrl);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), signature },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let callId: string | null = null;
          try {
            callId = JSON.parse(text).call_id ?? null;
          } catch {}
          resolve({ tenant: t.id, callId, status: res.statusCode ?? 0, ms: performance.now() - started });
        });
      },
    );
    req.on('error', () =>
      resolve({ tenant: t.id, callId: null, status: 0, ms: performance.now() - started }),
    );
    req.end(body);
  });
}

/** Sends `rate` calls per second for `seconds`, spreading them evenly over tenants (and over Otto's API processes). */
export async function openLoop(
  ottoUrls: string[],
  tenants: Tenant[],
  rate: number,
  seconds: number,
  onProgress?: (sent: number, total: number) => void,
): Promise<Sent[]> {
  const total = Math.round(rate * seconds);
  const results: Promise<Sent>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    results.push(postCall(ottoUrls[i % ottoUrls.length] as string, tenants[i % tenants.length] as Tenant));
    if (i % 50 === 0) onProgress?.(i, total);
  }
  onProgress?.(total, total);
  return Promise.all(results);
}

/** Sends `count` calls for one tenant as fast as `inFlight` concurrent requests allow. */
export async function burst(
  ottoUrls: string[],
  tenant: Tenant,
  count: number,
  inFlight: number,
  onProgress?: (n: number) => void,
): Promise<Sent[]> {
  const out: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next++;
        out.push(await postCall(ottoUrls[next % ottoUrls.length] as string, tenant));
        if (out.length % 100 === 0) onProgress?.(out.length);
      }
    }),
  );
  return out;
}

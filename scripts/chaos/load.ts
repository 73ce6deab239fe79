// The chaos run's load: CallRail triggers and recording uploads across tenants, decided up front from the
// seed, some delivered twice; each delivery is retried until Otto acknowledges it (as CallRail and the rep
// app retry), rotating over Otto's API processes so that a killed one is not waited for.
import { randomUUID } from 'node:crypto';
import { callRailPayload, callRailSignature, phoneNumber, recordingUploadBody } from '../../wire/index.ts';
import type { Tenant } from '../lib/tenants.ts';
import type { Figures } from './report.ts';

export interface ChaosTenant extends Tenant {
  /** a frontend bearer token of the tenant (uploads, the event stream) */
  token: string;
}

export interface Item {
  n: number;
  tenant: ChaosTenant;
  kind: 'call' | 'visit';
  /** CallRail call id, or the recording session id */
  key: string;
  body: string;
  twice: boolean;
  ack?: { call_id?: string; session_id?: string; job_id: string };
}

/** mulberry32: the load is the same for the same seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planItems(
  tenants: ChaosTenant[],
  o: { calls: number; visits: number; duplicates: number; seed: number },
  rnd: () => number,
): Item[] {
  return Array.from({ length: o.calls }, (_, n) => {
    const tenant = tenants[Math.floor(rnd() * tenants.length)] as ChaosTenant;
    const kind = rnd() < o.visits ? 'visit' : 'call';
    const twice = rnd() < o.duplicates;
    const seconds = 60 + Math.floor(rnd() * 600);
    if (kind === 'call') {
      const key = `CALchaos${o.seed}x${n}`;
      const body = JSON.stringify(
        callRailPayload({
          resourceId: key,
          callrailCompanyId: tenant.callrailCompanyId,
          answered: true,
          direction: 'inbound',
          durationSeconds: seconds,
          recordingUrl: `https://recordings.example.com/${key}.mp3?duration_s=${seconds}`,
          customerPhone: phoneNumber(rnd()),
          customerName: 'Chaos Customer',
        }),
      );
      return { n, tenant, kind, key, body, twice };
    }
    const key = randomUUID();
    const body = JSON.stringify(
      recordingUploadBody({
        audioUrl: `https://uploads.example.com/${key}.m4a?duration_s=${seconds}`,
        fileSizeBytes: 1_000_000 + Math.floor(rnd() * 50_000_000),
        durationSeconds: seconds,
      }),
    );
    return { n, tenant, kind, key, body, twice };
  });
}

export interface Deliverer {
  /** Sends an item until acknowledged, checking the answer; `repeat` is a deliberate second delivery. */
  deliver(item: Item, repeat: boolean): Promise<void>;
}

export function deliverer(
  apiUrls: string[],
  figures: Figures,
  violate: (what: string) => void,
  deadlineS: number,
): Deliverer {
  let next = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    async deliver(item, repeat) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (item.kind === 'call') headers.signature = callRailSignature(item.tenant.signingKey, item.body);
      else headers.authorization = `Bearer ${item.tenant.token}`;
      const deadline = Date.now() + deadlineS * 1000;
      for (let attempt = 0; ; attempt++) {
        const api = apiUrls[next++ % apiUrls.length] as string;
        const url =
          item.kind === 'call'
            ? `${api}/webhooks/callrail/call.completed`
            : `${api}/api/v1/recording-sessions/${item.key}/upload-audio`;
        if (attempt > 0) figures.triggers.retries++;
        figures.triggers.sent++;
        let code = 'network';
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body: item.body,
            signal: AbortSignal.timeout(30_000),
          });
          code = String(res.status);
          figures.triggers.statuses[code] = (figures.triggers.statuses[code] ?? 0) + 1;
          const text = await res.text();
          if (res.status === 202) {
            const body = JSON.parse(text) as NonNullable<Item['ack']> & { duplicate: boolean };
            if (!repeat) {
              // a first delivery whose answer was lost (its API process killed) is acknowledged by a retry
              item.ack = body;
              figures.triggers.acknowledged++;
            } else if (body.job_id !== item.ack?.job_id || !body.duplicate)
              violate(`a repeated ${item.kind} ${item.key} was not recognised: ${text}`);
            return;
          }
          if (res.status < 500 && res.status !== 429) {
            violate(`${item.kind} ${item.key} refused with ${res.status}: ${text.slice(0, 300)}`);
            return;
          }
          if (res.status >= 500 && res.status !== 503)
            violate(`${item.kind} ${item.key} answered ${res.status}: ${text.slice(0, 300)}`);
        } catch {
          figures.triggers.statuses[code] = (figures.triggers.statuses[code] ?? 0) + 1;
        }
        if (Date.now() > deadline) {
          violate(`${item.kind} ${item.key} never acknowledged`);
          return;
        }
        await sleep(Math.min(5000, 500 * 2 ** attempt));
      }
    },
  };
}

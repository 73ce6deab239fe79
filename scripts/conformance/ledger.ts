// What the kit concluded: one Check per question asked, under the §13 item it belongs to, with the
// evidence for every failure (the request, an excerpt of the answer, what the contract says).
import type { Exchange } from './client.ts';
import type { Delivery } from './receiver.ts';

export type Verdict = 'pass' | 'fail' | 'needs-confirmation';

export interface Evidence {
  request?: string;
  response?: string;
  contract?: string;
  note?: string;
}

export interface Check {
  item: string;
  name: string;
  verdict: Verdict;
  detail: string;
  evidence: Evidence[];
}

export class Ledger {
  readonly checks: Check[] = [];
  constructor(private readonly onCheck?: (c: Check) => void) {}

  add(item: string, name: string, verdict: Verdict, detail: string, evidence: Evidence[] = []): Check {
    const c = { item, name, verdict, detail, evidence };
    this.checks.push(c);
    this.onCheck?.(c);
    return c;
  }

  /** Pass when `failures` is empty, else fail with them (at most 5 shown as evidence). */
  verdict(item: string, name: string, passDetail: string, failures: Evidence[], failDetail?: string): Check {
    return failures.length === 0
      ? this.add(item, name, 'pass', passDetail)
      : this.add(
          item,
          name,
          'fail',
          failDetail ?? `${failures.length} violation${failures.length === 1 ? '' : 's'}`,
          failures.slice(0, 5),
        );
  }
}

const clip = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);

export function requestOf(x: Exchange): string {
  const h = Object.entries(x.requestHeaders)
    .filter(([k]) => k !== 'accept')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `${x.spec.method} ${x.spec.path}\n${h}${x.requestBody !== undefined ? `\n\n${clip(x.requestBody, 300)}` : ''}`;
}

export function responseOf(x: Exchange): string {
  if (x.error) return `no answer: ${x.error}`;
  const rid = x.responseHeaders['x-request-id'];
  return `${x.status}${rid ? ` (X-Request-ID: ${rid})` : ''}\n${clip(x.text)}`;
}

export const exchangeEvidence = (x: Exchange, contract?: string, note?: string): Evidence => ({
  request: requestOf(x),
  response: responseOf(x),
  ...(contract ? { contract } : {}),
  ...(note ? { note } : {}),
});

export function deliveryOf(d: Delivery): string {
  const h = ['x-shunya-signature', 'x-shunya-timestamp', 'x-shunya-task-id', 'content-type']
    .map((k) => `${k}: ${d.headers[k] ?? '(absent)'}`)
    .join('\n');
  return `${d.method} ${d.path} (delivery #${d.n}, answered ${d.answer})\n${h}\n\n${clip(d.raw)}`;
}

export const deliveryEvidence = (d: Delivery, contract?: string, note?: string): Evidence => ({
  request: deliveryOf(d),
  ...(contract ? { contract } : {}),
  ...(note ? { note } : {}),
});

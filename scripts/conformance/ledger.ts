// What the kit concluded: one Check per question asked, under the §13 item it belongs to, with the
// evidence for every failure (the request, an excerpt of the answer, what the contract says).
import type { Exchange } from './client.ts';
import { excerpt } from './excerpt.ts';
import type { Delivery } from './receiver.ts';

/** `not-checked`: the check could not be made for a reason the contract allows (a job failed with a
 * catalogued code, D165); it is neither a pass nor a deviation. */
export type Verdict = 'pass' | 'fail' | 'needs-confirmation' | 'not-checked';

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

  /** A check the run could not make, for a reason that is no deviation (D165). */
  notChecked(item: string, name: string, why: string): Check {
    return this.add(item, name, 'not-checked', why);
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

const clip = (s: string, n = 600, pointer?: string) => excerpt(s, n, pointer);

export function requestOf(x: Exchange): string {
  const h = Object.entries(x.requestHeaders)
    .filter(([k]) => k !== 'accept')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `${x.spec.method} ${x.spec.path}\n${h}${x.requestBody !== undefined ? `\n\n${clip(x.requestBody, 300)}` : ''}`;
}

export function responseOf(x: Exchange, pointer?: string): string {
  if (x.error) return `no answer: ${x.error}`;
  const rid = x.responseHeaders['x-request-id'];
  return `${x.status}${rid ? ` (X-Request-ID: ${rid})` : ''}\n${clip(x.text, 600, pointer)}`;
}

/** The evidence of an exchange; `pointer`: where in the answer the violation is (the excerpt of a long
 * body is centred there). */
export const exchangeEvidence = (
  x: Exchange,
  contract?: string,
  note?: string,
  pointer?: string,
): Evidence => ({
  request: requestOf(x),
  response: responseOf(x, pointer),
  ...(contract ? { contract } : {}),
  ...(note ? { note } : {}),
});

export function deliveryOf(d: Delivery, pointer?: string): string {
  const h = ['x-shunya-signature', 'x-shunya-timestamp', 'x-shunya-task-id', 'content-type']
    .map((k) => `${k}: ${d.headers[k] ?? '(absent)'}`)
    .join('\n');
  return `${d.method} ${d.path} (delivery #${d.n}, answered ${d.answer})\n${h}\n\n${clip(d.raw, 600, pointer)}`;
}

export const deliveryEvidence = (
  d: Delivery,
  contract?: string,
  note?: string,
  pointer?: string,
): Evidence => ({
  request: deliveryOf(d, pointer),
  ...(contract ? { contract } : {}),
  ...(note ? { note } : {}),
});

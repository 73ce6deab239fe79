// The fault engine: holds the rules and decides, for one request, job or webhook, which of them hit.
// A rule matches when its company (if any) is the tenant's and one of its `operations` (if any) is
// among the context's tags; it then hits with its probability, and a scripted rule (count) expires
// after its last hit. Within an exclusive group only the first hit counts (one terminal fault per
// request); later rules of that group are not even drawn, so their scripts are not consumed.
import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../clock.ts';
import { type FaultKind, type FaultRule, type FaultRuleInput, FaultRuleInputSchema } from './rules.ts';

export interface FaultContext {
  companyId: string | undefined;
  /** e.g. ['transcribe', 'transcription', 'http'] or ['webhook', 'analysis']. */
  tags: readonly string[];
}

export class FaultEngine {
  private rules: FaultRule[] = [];
  readonly hitsByKind = new Map<FaultKind, number>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: () => number,
  ) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = FaultRuleInputSchema.parse(input);
    const rule: FaultRule = {
      ...parsed,
      id: randomUUID(),
      created_at: this.clock.nowIso(),
      hits: 0,
      ...(parsed.count !== undefined ? { remaining: parsed.count } : {}),
      ...(parsed.duration_s !== undefined
        ? { expires_at_ms: this.clock.now() + parsed.duration_s * 1000 }
        : {}),
    };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    this.expire();
    return [...this.rules];
  }

  get size(): number {
    return this.rules.length;
  }

  /** The rules of the accepted kinds that hit in this context, in the order they were added. */
  select(
    ctx: FaultContext,
    accept: (kind: FaultKind) => boolean,
    group: (kind: FaultKind) => string | undefined = () => undefined,
  ): FaultRule[] {
    if (this.rules.length === 0) return [];
    this.expire();
    const taken = new Set<string>();
    const out: FaultRule[] = [];
    for (const r of this.rules) {
      if (!accept(r.kind)) continue;
      if (r.company_id !== undefined && r.company_id !== ctx.companyId) continue;
      if (r.operations && !r.operations.some((o) => ctx.tags.includes(o))) continue;
      const g = group(r.kind);
      if (g !== undefined && taken.has(g)) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      if (g !== undefined) taken.add(g);
      r.hits++;
      this.hitsByKind.set(r.kind, (this.hitsByKind.get(r.kind) ?? 0) + 1);
      if (r.remaining !== undefined) r.remaining--;
      out.push(r);
    }
    if (out.some((r) => r.remaining === 0)) this.rules = this.rules.filter((r) => r.remaining !== 0);
    return out;
  }

  private expire(): void {
    const now = this.clock.now();
    if (this.rules.some((r) => r.expires_at_ms !== undefined && r.expires_at_ms <= now))
      this.rules = this.rules.filter((r) => r.expires_at_ms === undefined || r.expires_at_ms > now);
  }
}

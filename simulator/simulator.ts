// The simulated Shunya as one object: settings, virtual clock, tenant state, content, faults,
// scenarios, idempotency, rate limits, webhooks and counters. The HTTP routes and the admin API are
// thin layers over it, and tests holding a SimulatorHandle may call it directly.
import type { Logger } from 'pino';
import { VirtualClock } from './clock.ts';
import {
  type Effective,
  effectiveFor,
  mergeSettings,
  type Settings,
  type SettingsPatch,
  SettingsPatchSchema,
} from './config.ts';
import { ContentCache } from './content/index.ts';
import { mulberry32 } from './content/prng.ts';
import type { Deviation, Variation } from './deviations.ts';
import { FaultEngine } from './faults/engine.ts';
import { type PresetName, type PresetOptions, presetPlan } from './faults/presets.ts';
import type { FaultRuleInput } from './faults/rules.ts';
import { IdempotencyStore } from './idempotency.ts';
import { Lifecycle } from './jobs/lifecycle.ts';
import { Results } from './jobs/results.ts';
import { Store } from './jobs/store.ts';
import { RateLimiter } from './ratelimit.ts';
import { DEFAULT_RETENTION_S, Retention } from './retention.ts';
import { type ScenarioEntry, ScenarioEntrySchema, ScenarioStore } from './scenarios.ts';
import { Stats } from './stats.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';

export interface SimulatorInit {
  jwtSecret: string;
  hmacSecret: string;
  settings: Settings;
  /** Applied in order at start and on reset, before `faults`. */
  presets: { name: PresetName; options?: PresetOptions }[];
  faults: FaultRuleInput[];
  scenarios: ScenarioEntry[];
  /** Virtual time at start (epoch ms); defaults to now. */
  startTimeMs?: number;
  /** Seeds the randomness of faults, latencies and jitter (content is always seeded by tenant and call). */
  seed?: number;
  /** Seconds of wall-clock time finished jobs, answered idempotency keys and finished webhook deliveries
   * are kept (D290); DEFAULT_RETENTION_S when absent. */
  retentionS?: number;
  logger: Logger;
}

export class Simulator {
  readonly clock: VirtualClock;
  readonly retention: Retention;
  readonly store: Store;
  readonly content = new ContentCache();
  readonly faults: FaultEngine;
  readonly scenarios = new ScenarioStore();
  readonly idempotency: IdempotencyStore;
  readonly rateLimiter: RateLimiter;
  readonly webhooks: WebhookDispatcher;
  readonly stats = new Stats();
  readonly random: () => number;
  readonly lifecycle: Lifecycle;
  readonly results: Results;
  readonly logger: Logger;
  readonly startedAt = new Date();
  /** Requests held open by the `hang` fault; each function releases one. */
  readonly hanging = new Set<() => void>();
  settings: Settings;
  presetsApplied: PresetName[] = [];

  constructor(readonly init: SimulatorInit) {
    this.logger = init.logger;
    this.settings = structuredClone(init.settings);
    this.clock = new VirtualClock(this.settings.time_scale, init.startTimeMs ?? Date.now());
    this.random = init.seed !== undefined ? mulberry32(init.seed) : Math.random;
    this.retention = new Retention(init.retentionS ?? DEFAULT_RETENTION_S);
    this.store = new Store(this.retention);
    this.faults = new FaultEngine(this.clock, this.random);
    this.idempotency = new IdempotencyStore(this.clock, this.retention);
    this.rateLimiter = new RateLimiter(this.clock);
    this.lifecycle = new Lifecycle(this);
    this.results = new Results(this);
    this.webhooks = new WebhookDispatcher({
      clock: this.clock,
      faults: this.faults,
      stats: this.stats,
      random: this.random,
      hmacSecret: init.hmacSecret,
      settings: () => this.settings,
      target: (company) => {
        const e = this.effective(company);
        return { url: e.webhook_url, profile: e.webhook_profile };
      },
      message: (job, profile) => this.results.webhookMessage(job, profile),
      deviates: (company, d) => this.deviates(company, d),
      varies: (company, v) => this.varies(company, v),
      retention: this.retention,
    });
    this.retention.start();
    this.applyInitial();
  }

  private applyInitial(): void {
    for (const p of this.init.presets) this.applyPreset(p.name, p.options);
    for (const f of this.init.faults) this.faults.add(f);
    for (const s of this.init.scenarios) this.setScenario(s);
  }

  effective(companyId: string): Effective {
    return effectiveFor(this.settings, companyId);
  }

  /** Whether the tenant (or every tenant) has the deliberate contract deviation `d` switched on. */
  deviates(companyId: string | undefined, d: Deviation): boolean {
    const tenant = companyId ? this.settings.tenants[companyId]?.deviations : undefined;
    return this.settings.deviations.includes(d) || (tenant?.includes(d) ?? false);
  }

  /** Whether the tenant (or every tenant) has the allowed variation `v` switched on. */
  varies(companyId: string | undefined, v: Variation): boolean {
    const tenant = companyId ? this.settings.tenants[companyId]?.variations : undefined;
    return this.settings.variations.includes(v) || (tenant?.includes(v) ?? false);
  }

  configure(patch: SettingsPatch): Settings {
    this.settings = mergeSettings(this.settings, SettingsPatchSchema.parse(patch));
    if (this.settings.time_scale !== this.clock.scale) this.clock.setScale(this.settings.time_scale);
    return this.settings;
  }

  applyPreset(name: PresetName, options: PresetOptions = {}): void {
    const plan = presetPlan(name, options);
    if (plan.latency) this.settings.latency = structuredClone(plan.latency);
    this.settings.rate_limits = { ...plan.rateLimits };
    this.faults.clear();
    for (const f of plan.faults) this.faults.add(f);
    this.presetsApplied = [...this.presetsApplied.filter((p) => p !== name), name];
    this.logger.info({ preset: name, options }, 'preset applied');
  }

  setScenario(entry: ScenarioEntry): void {
    const { company_id, call_id, ...scenario } = ScenarioEntrySchema.parse(entry);
    this.scenarios.set(company_id, call_id, scenario);
  }

  /** Back to the state at start: settings, presets, faults and scenarios as configured; no calls,
   * jobs, idempotency keys, webhooks or counters. Virtual time keeps running. */
  reset(): void {
    this.clock.clear();
    this.retention.clear();
    this.store.clear();
    this.content.clear();
    this.idempotency.clear();
    this.rateLimiter.clear();
    this.webhooks.clear();
    this.stats.clear();
    this.scenarios.clear();
    this.faults.clear();
    this.faults.hitsByKind.clear();
    this.presetsApplied = [];
    this.settings = structuredClone(this.init.settings);
    this.clock.setScale(this.settings.time_scale);
    this.applyInitial();
  }

  /** Advances virtual time, fires everything due and (by default) waits for the webhook attempts
   * that started. Returns how many events fired. */
  async advance(seconds: number, settle = true): Promise<number> {
    const fired = this.clock.advance(seconds);
    if (settle) await this.webhooks.settle();
    return fired;
  }

  close(): void {
    this.clock.stop();
    this.retention.stop();
    for (const release of [...this.hanging]) release();
  }
}

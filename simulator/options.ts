// Startup options: what startSimulator() takes, and how the CLI builds them from a scenario file
// (JSON or YAML), the environment and flags (later wins: file < env < flags).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { z } from 'zod';
import {
  defaultSettings,
  mergeSettings,
  type Settings,
  type SettingsPatch,
  SettingsPatchSchema,
} from './config.ts';
import { PRESET_NAMES, type PresetName, type PresetOptions, PresetOptionsSchema } from './faults/presets.ts';
import { type FaultRuleInput, FaultRuleInputSchema } from './faults/rules.ts';
import { type ScenarioEntry, ScenarioEntrySchema } from './scenarios.ts';

/** Otto's development defaults (src/config.ts), so the two work together out of the box. */
export const DEV_SECRETS = {
  jwt: 'dev-uwc-jwt-secret-change-me',
  hmac: 'dev-uwc-hmac-secret-change-me',
};

/** Node's flags for a simulator process of its own (`npm run start:simulator`, compose, the bench and the
 * tests' stacks): a young generation of 2 MB semi-spaces and an old one grown by 10 % over what the last
 * full collection kept, so its RSS follows what it holds rather than V8's sizing for a 24 GiB machine (D372);
 * and V8's memory-first mode, which compacts the old generation's half-empty pages: what the window holds
 * is long-lived records scattered among the garbage of the requests that made them (D441). */
export const SIMULATOR_NODE_FLAGS = [
  '--max-semi-space-size=2',
  '--heap-growing-percent=10',
  '--optimize-for-size',
];

/** The environment of a simulator process of its own: at most two glibc malloc arenas instead of one per
 * thread that allocates (up to eight per core), about 10 MB of RSS that does not grow with what the
 * window holds (D442, D491). */
export const SIMULATOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export type PresetSpec = PresetName | { name: PresetName; options?: PresetOptions };

export interface SimulatorOptions {
  /** 0 (the default of startSimulator) lets the OS pick; the CLI defaults to 4010. */
  port?: number;
  host?: string;
  jwtSecret?: string;
  hmacSecret?: string;
  webhookUrl?: string;
  timeScale?: number;
  /** Applied in order at start and again on reset. */
  preset?: PresetSpec | PresetSpec[];
  /** Any runtime setting (as PUT /__sim/config takes). */
  config?: SettingsPatch;
  faults?: FaultRuleInput[];
  scenarios?: ScenarioEntry[];
  /** Virtual time at start (ISO 8601 or epoch ms); fix it for fully deterministic content dates. */
  startTime?: string | number | Date;
  /** Seeds fault, latency and jitter randomness. */
  seed?: number;
  /** pino level; startSimulator defaults to `silent`, the CLI to `info`. */
  logLevel?: string;
  /** SIMULATOR_RETENTION_S: wall-clock seconds finished jobs, idempotency records and webhook logs are
   * kept (D290; DEFAULT_RETENTION_S). */
  retentionS?: number;
}

const PresetSpecSchema = z.union([
  z.enum(PRESET_NAMES),
  z.object({ name: z.enum(PRESET_NAMES), options: PresetOptionsSchema.optional() }),
]);

/** The scenario file. */
export const ScenarioFileSchema = z
  .object({
    preset: z.union([PresetSpecSchema, z.array(PresetSpecSchema)]).optional(),
    config: SettingsPatchSchema.optional(),
    faults: z.array(FaultRuleInputSchema).optional(),
    scenarios: z.array(ScenarioEntrySchema).optional(),
    seed: z.number().int().optional(),
    start_time: z.string().optional(),
  })
  .strict();

export function presetList(p: SimulatorOptions['preset']): { name: PresetName; options?: PresetOptions }[] {
  const list = p === undefined ? [] : Array.isArray(p) ? p : [p];
  return list.map((x) => (typeof x === 'string' ? { name: x } : x));
}

export function settingsFrom(o: SimulatorOptions): Settings {
  let s = mergeSettings(defaultSettings(), o.config ?? {});
  if (o.webhookUrl !== undefined) s = mergeSettings(s, { webhook_url: o.webhookUrl });
  if (o.timeScale !== undefined) s = mergeSettings(s, { time_scale: o.timeScale });
  return s;
}

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'jwt-secret': { type: 'string' },
  'hmac-secret': { type: 'string' },
  'webhook-url': { type: 'string' },
  'time-scale': { type: 'string' },
  preset: { type: 'string' },
  scenario: { type: 'string' },
  'webhook-profile': { type: 'string' },
  'payload-shape': { type: 'string' },
  'segmentation-mode': { type: 'string' },
  'submission-status': { type: 'string' },
  'signature-required': { type: 'string' },
  'start-time': { type: 'string' },
  seed: { type: 'string' },
  fault: { type: 'string', multiple: true },
  deviation: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  'retention-s': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const USAGE = `Usage: npm run start:simulator -- [flags]
  --port N                 SIMULATOR_PORT (4010)
  --host H                 SIMULATOR_HOST (127.0.0.1)
  --jwt-secret S           UWC_JWT_SECRET (Otto's development default)
  --hmac-secret S          UWC_HMAC_SECRET (Otto's development default)
  --webhook-url URL        OTTO_WEBHOOK_URL (http://127.0.0.1:3000/api/v1/shunya/webhook)
  --time-scale X           SIM_TIME_SCALE: virtual seconds per real second (1; 0 freezes time)
  --preset P[,P…]          SIM_PRESET: happy | slow | flaky | outage | chaos (slow latencies by default)
  --scenario FILE          SIM_SCENARIO: JSON or YAML file (preset, config, faults, scenarios, seed, start_time)
  --webhook-profile P      SIM_WEBHOOK_PROFILE: handoff | shunya
  --payload-shape S        SIM_PAYLOAD_SHAPE: handoff | shunya
  --segmentation-mode M    SIM_SEGMENTATION_MODE: async | sync
  --submission-status N    SIM_SUBMISSION_STATUS: 202 | 200 (status of an accepted submission)
  --signature-required B   SIM_SIGNATURE_REQUIRED: true | false
  --start-time ISO         SIM_START_TIME: virtual time at start
  --seed N                 SIM_SEED: seeds fault and latency randomness
  --retention-s S          SIMULATOR_RETENTION_S: wall-clock seconds finished jobs, idempotency records
                           and webhook logs are kept, then swept (3600)
  --fault JSON             a fault rule (repeatable), e.g. '{"kind":"error","probability":0.1}'
  --deviation D[,D…]       SIM_DEVIATIONS: deliberate contract deviations (repeatable; simulator/deviations.ts)
  --log-level L            LOG_LEVEL (info)`;

/** Options from a scenario file, the environment and flags (later wins). */
export function optionsFromCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): SimulatorOptions & { help?: boolean } {
  const { values: f } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  if (f.help) return { help: true };
  const pick = (flag: keyof typeof f, name: string) => (f[flag] as string | undefined) ?? env[name];
  const file = pick('scenario', 'SIM_SCENARIO');
  const parsed = file ? ScenarioFileSchema.parse(YAML.parse(readFileSync(file, 'utf8'))) : {};
  const config: SettingsPatch = { ...parsed.config };
  const profile = pick('webhook-profile', 'SIM_WEBHOOK_PROFILE');
  const shape = pick('payload-shape', 'SIM_PAYLOAD_SHAPE');
  const mode = pick('segmentation-mode', 'SIM_SEGMENTATION_MODE');
  const submission = pick('submission-status', 'SIM_SUBMISSION_STATUS');
  const sigRequired = pick('signature-required', 'SIM_SIGNATURE_REQUIRED');
  const deviations = (f.deviation ?? (env.SIM_DEVIATIONS ? [env.SIM_DEVIATIONS] : []))
    .flatMap((d) => d.split(','))
    .map((d) => d.trim())
    .filter(Boolean);
  const patch = SettingsPatchSchema.parse({
    ...(profile ? { webhook_profile: profile } : {}),
    ...(shape ? { payload_shape: shape } : {}),
    ...(mode ? { segmentation_mode: mode } : {}),
    ...(submission ? { submission_status: Number(submission) } : {}),
    ...(sigRequired ? { signature_required: sigRequired === 'true' || sigRequired === '1' } : {}),
    ...(deviations.length ? { deviations } : {}),
  });
  const presetText = pick('preset', 'SIM_PRESET');
  const num = (v: string | undefined, name: string) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
    return n;
  };
  const startTime = pick('start-time', 'SIM_START_TIME') ?? parsed.start_time;
  const seed = num(pick('seed', 'SIM_SEED'), 'seed') ?? parsed.seed;
  const timeScale = num(pick('time-scale', 'SIM_TIME_SCALE'), 'SIM_TIME_SCALE');
  const retentionS = num(pick('retention-s', 'SIMULATOR_RETENTION_S'), 'SIMULATOR_RETENTION_S');
  if (retentionS !== undefined && !(retentionS > 0))
    throw new Error(`SIMULATOR_RETENTION_S must be a positive number of seconds, got "${retentionS}"`);
  return {
    port: num(pick('port', 'SIMULATOR_PORT'), 'SIMULATOR_PORT') ?? 4010,
    host: pick('host', 'SIMULATOR_HOST') ?? '127.0.0.1',
    jwtSecret: pick('jwt-secret', 'UWC_JWT_SECRET') ?? DEV_SECRETS.jwt,
    hmacSecret: pick('hmac-secret', 'UWC_HMAC_SECRET') ?? DEV_SECRETS.hmac,
    ...(pick('webhook-url', 'OTTO_WEBHOOK_URL')
      ? { webhookUrl: pick('webhook-url', 'OTTO_WEBHOOK_URL') }
      : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    preset: presetText
      ? presetText.split(',').map((p) => z.enum(PRESET_NAMES).parse(p.trim()))
      : parsed.preset,
    config: { ...config, ...patch },
    faults: [
      ...(parsed.faults ?? []),
      ...(f.fault ?? []).map((j) => FaultRuleInputSchema.parse(JSON.parse(j))),
    ],
    scenarios: parsed.scenarios ?? [],
    ...(startTime ? { startTime } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(retentionS !== undefined ? { retentionS } : {}),
    logLevel: pick('log-level', 'LOG_LEVEL') ?? 'info',
  };
}

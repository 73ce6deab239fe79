// One typed, validated, frozen configuration object, parsed once from the environment at the edge and
// handed inward (buildApp(config), buildWorker(config)). Every problem is reported at once.
// README.md lists every variable; keep the two in step.
import { z } from 'zod';

const csvNumbers = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const values = s.split(',').map((p) => Number(p.trim()));
      if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected comma-separated non-negative numbers, got "${s}"`,
        });
        return z.NEVER;
      }
      return values;
    });

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const boolText = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Development defaults for secrets: used in development only, refused everywhere else (D135). */
export const DEV_SECRETS = {
  UWC_JWT_SECRET: 'dev-uwc-jwt-secret-change-me',
  UWC_HMAC_SECRET: 'dev-uwc-hmac-secret-change-me',
  OTTO_ADMIN_TOKEN: 'dev-admin-token',
  AUTH_HS256_SECRET: 'dev-frontend-jwt-secret',
} as const;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  OTTO_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),

  DATABASE_URL: z.string().url().optional(),
  OTTO_DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: int(54329, 1),
  DB_POOL_MAX: int(20, 1),
  /** plan_cache_mode sent in each knex connection's startup packet (D560); `off` sends none (a pooler
   * that refuses startup options). */
  DB_PLAN_CACHE_MODE: z
    .enum(['force_generic_plan', 'auto', 'force_custom_plan', 'off'])
    .default('force_generic_plan'),
  /** Connections kept open when idle (D561); unset: all of DB_POOL_MAX. */
  DB_POOL_MIN: z.coerce.number().int().min(0).optional(),
  /** Production runs the embedded Postgres only when this is true (D137). */
  OTTO_EMBEDDED_POSTGRES: boolText.optional(),

  UWC_BASE_URL: z.string().url().default('http://127.0.0.1:4010'),
  UWC_JWT_SECRET: z.string().min(16).optional(),
  UWC_HMAC_SECRET: z.string().min(16).optional(),
  UWC_HMAC_SECRET_PREVIOUS: z.string().min(16).optional(),
  UWC_JWT_ISSUER: z.string().default('otto-backend'),
  UWC_JWT_AUDIENCE: z.string().default('uwc'),
  UWC_VERSION: z.string().default('v1'),
  UWC_TIMEOUT_MS: int(30_000, 1),
  UWC_RETRY_DELAYS_MS: csvNumbers('5000,10000,30000'),
  UWC_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  UWC_BREAKER_THRESHOLD: int(5, 1),
  UWC_BREAKER_COOLDOWN_MS: int(30_000, 1),

  SHUNYA_WEBHOOK_PROFILE: z.enum(['handoff', 'shunya', 'both']).default('both'),
  WEBHOOK_TOLERANCE_SECONDS: int(300, 1),
  WEBHOOK_BODY_RETENTION_HOURS: int(24, 0),

  OTTO_ADMIN_TOKEN: z.string().min(8).optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_HS256_SECRET: z.string().min(16).optional(),
  AUTH_TENANT_CLAIM: z.string().default('org_id'),
  AUTH_ROLE_CLAIM: z.string().default('role'),
  AUTH_ISSUER: z.string().optional(),
  AUTH_AUDIENCE: z.string().optional(),
  AUTH_MAX_TOKEN_LIFETIME_S: int(86_400, 60),
  /** Failed authentications one client address may make per window before it is answered 429 (D130). */
  AUTH_FAILURE_LIMIT: int(20, 1),
  AUTH_FAILURE_WINDOW_S: int(60, 1),

  JOB_MAX_ATTEMPTS: int(5, 1),
  JOB_RETRY_DELAYS_S: csvNumbers('5,10,30,60,300'),
  JOB_TIMEOUT_S: int(86_400, 1),
  POLL_DELAYS_S: csvNumbers('5,10,30,60,300'),
  POLL_UNREADABLE_LIMIT: int(3, 1),
  TENANT_MAX_CONCURRENT: int(10, 1),
  /** §11.2: jobs a tenant may start in any hour; 0 turns the quota off (D98). */
  TENANT_JOBS_PER_HOUR: int(1000, 0),
  WORKER_CONCURRENCY: int(20, 1),
  /** graphile-worker's pool's connections kept open when idle (D561); unset: all of its WORKER_CONCURRENCY + 4. */
  WORKER_POOL_MIN: z.coerce.number().int().min(0).optional(),
  /** graphile-worker's local queue (D291): jobs fetched and locked per fetch; 0 fetches one job at a time. */
  WORKER_LOCAL_QUEUE_SIZE: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || n >= 2, {
      message: 'expected 0 (off) or at least 2',
    })
    .default(0),
  /** graphile-worker's batched completion and failure (D291): ms to gather them; -1 writes each at once. */
  WORKER_BATCH_DELAY_MS: int(-1, -1),
  /** graphile-worker's pollInterval: each idle worker's own look for work, a last resort (D432). */
  WORKER_POLL_INTERVAL_MS: int(60_000, 100),
  /** Otto's waker (D432): the shortest time between two looks for scheduled jobs, the bound on their start. */
  WORKER_WAKE_CHECK_MS: int(1000, 10),
  WORKER_HEARTBEAT_MS: int(5000, 100),
  WORKER_DEAD_AFTER_MS: int(20_000, 500),
  OUTBOX_RETENTION_HOURS: int(168, 1),
  /** The outbox relay: notifications within this many ms make one pass (D461); 0 runs one per wake-up. */
  RELAY_COALESCE_MS: int(10, 0),
  /** The outbox relay: a notification's pass starts at least this many ms after the previous one (D520). */
  RELAY_MIN_INTERVAL_MS: int(200, 0),
  SSE_MAX_BUFFER_BYTES: int(1_048_576, 16_384),
  SSE_SLOW_READER_TIMEOUT_MS: int(10_000, 100),
  /** One tenant's open event streams per process (D147). */
  SSE_MAX_STREAMS_PER_TENANT: int(50, 1),
  /** Unset: the token in ?access_token= is accepted everywhere but production (D148). */
  SSE_QUERY_TOKEN: boolText.optional(),
  /** Unset: required everywhere but development. */
  AUDIO_REQUIRE_HTTPS: boolText.optional(),
  /** Unset: strict everywhere but development (D146). */
  AUDIO_URL_POLICY: z.enum(['strict', 'permissive']).optional(),
  /** Comma list of exact hosts and `*.suffix` patterns; unset or empty: any public host (D146). */
  AUDIO_ALLOWED_HOSTS: z.string().default(''),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** The Shunya simulator running beside Otto (npm start sets it): the console's simulator panel and test traffic. */
  SIMULATOR_URL: z.string().url().optional(),
  /** Production starts the simulator and uses SIMULATOR_URL only when this is true (D138). */
  OTTO_ENABLE_SIMULATOR: boolText.optional(),
  AUDIT_RETENTION_DAYS: int(365, 1),
});

export type Env = z.input<typeof EnvSchema>;

type ParsedEnv = z.output<typeof EnvSchema>;

/** A secret's value: as set, or (development only) its published default. */
function secret(e: ParsedEnv, name: Exclude<keyof typeof DEV_SECRETS, 'AUTH_HS256_SECRET'>): string {
  const value = e[name] ?? (e.NODE_ENV === 'development' ? DEV_SECRETS[name] : undefined);
  // loadConfig refuses a missing secret outside development before build runs
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

/** Whether the simulator (and SIMULATOR_URL) may be used: always outside production, on request in it. */
export function simulatorAllowed(e: Pick<ParsedEnv, 'NODE_ENV' | 'OTTO_ENABLE_SIMULATOR'>): boolean {
  return e.NODE_ENV !== 'production' || e.OTTO_ENABLE_SIMULATOR === true;
}

/** The OTEL_* variables, read by the OpenTelemetry SDK's rules (tracing-sdk.ts, D195). */
const otelOf = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OTEL_')));

const OTEL_PROTOCOLS = ['http/protobuf', 'http/json'];
const OTEL_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** The OTEL_* values tracing-sdk.ts would otherwise have to refuse at start (D195). */
function otelProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'])
    if (env[name] !== undefined && !OTEL_PROTOCOLS.includes(env[name]))
      problems.push(`${name}: "${env[name]}" is not supported; use ${OTEL_PROTOCOLS.join(' or ')}`);
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler !== undefined && !OTEL_SAMPLERS.includes(sampler.toLowerCase()))
    problems.push(`OTEL_TRACES_SAMPLER: "${sampler}" is not one of ${OTEL_SAMPLERS.join(', ')}`);
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  if (arg !== undefined && !(Number(arg) >= 0 && Number(arg) <= 1))
    problems.push(`OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got "${arg}"`);
  return problems;
}

function build(e: ParsedEnv, otel: Record<string, string> = {}) {
  const development = e.NODE_ENV === 'development';
  return {
    env: e.NODE_ENV,
    role: e.OTTO_ROLE,
    http: { host: e.HOST, port: e.PORT, publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}` },
    db: {
      url: e.DATABASE_URL,
      dataDir: e.OTTO_DATA_DIR,
      embeddedPort: e.EMBEDDED_PG_PORT,
      /** Production's embedded superuser gets a generated password instead of `postgres` (D137). */
      generatedPassword: e.NODE_ENV === 'production',
      poolMax: e.DB_POOL_MAX,
      poolMin: Math.min(e.DB_POOL_MIN ?? e.DB_POOL_MAX, e.DB_POOL_MAX),
      planCacheMode: e.DB_PLAN_CACHE_MODE === 'off' ? null : e.DB_PLAN_CACHE_MODE,
    },
    uwc: {
      baseUrl: e.UWC_BASE_URL.replace(/\/+$/, ''),
      jwtSecret: secret(e, 'UWC_JWT_SECRET'),
      hmacSecret: secret(e, 'UWC_HMAC_SECRET'),
      hmacSecretPrevious: e.UWC_HMAC_SECRET_PREVIOUS,
      jwtIssuer: e.UWC_JWT_ISSUER || undefined,
      jwtAudience: e.UWC_JWT_AUDIENCE || undefined,
      version: e.UWC_VERSION,
      timeoutMs: e.UWC_TIMEOUT_MS,
      retryDelaysMs: e.UWC_RETRY_DELAYS_MS,
      retryJitter: e.UWC_RETRY_JITTER,
      breakerThreshold: e.UWC_BREAKER_THRESHOLD,
      breakerCooldownMs: e.UWC_BREAKER_COOLDOWN_MS,
    },
    webhook: {
      profile: e.SHUNYA_WEBHOOK_PROFILE,
      toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
      bodyRetentionHours: e.WEBHOOK_BODY_RETENTION_HOURS,
    },
    auth: {
      adminToken: secret(e, 'OTTO_ADMIN_TOKEN'),
      jwksUrl: e.AUTH_JWKS_URL,
      // The HS256 development secret is on by default only in development without a JWKS (D135).
      hs256Secret:
        e.AUTH_HS256_SECRET ?? (development && !e.AUTH_JWKS_URL ? DEV_SECRETS.AUTH_HS256_SECRET : undefined),
      tenantClaim: e.AUTH_TENANT_CLAIM,
      roleClaim: e.AUTH_ROLE_CLAIM,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      maxTokenLifetimeS: e.AUTH_MAX_TOKEN_LIFETIME_S,
      failureLimit: e.AUTH_FAILURE_LIMIT,
      failureWindowS: e.AUTH_FAILURE_WINDOW_S,
    },
    jobs: {
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryDelaysS: e.JOB_RETRY_DELAYS_S,
      timeoutS: e.JOB_TIMEOUT_S,
      pollDelaysS: e.POLL_DELAYS_S,
      pollUnreadableLimit: e.POLL_UNREADABLE_LIMIT,
      tenantMaxConcurrent: e.TENANT_MAX_CONCURRENT,
      jobsPerHour: e.TENANT_JOBS_PER_HOUR,
      workerConcurrency: e.WORKER_CONCURRENCY,
      /** graphile-worker's pool: its size, and how many stay open when idle (D561) */
      workerPoolMax: e.WORKER_CONCURRENCY + 4,
      workerPoolMin: Math.min(e.WORKER_POOL_MIN ?? e.WORKER_CONCURRENCY + 4, e.WORKER_CONCURRENCY + 4),
      localQueueSize: e.WORKER_LOCAL_QUEUE_SIZE,
      batchDelayMs: e.WORKER_BATCH_DELAY_MS,
      pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
      wakeCheckMs: e.WORKER_WAKE_CHECK_MS,
      heartbeatMs: e.WORKER_HEARTBEAT_MS,
      deadAfterMs: e.WORKER_DEAD_AFTER_MS,
      outboxRetentionHours: e.OUTBOX_RETENTION_HOURS,
    },
    events: {
      relayCoalesceMs: e.RELAY_COALESCE_MS,
      relayMinIntervalMs: e.RELAY_MIN_INTERVAL_MS,
      maxBufferBytes: e.SSE_MAX_BUFFER_BYTES,
      slowReaderTimeoutMs: e.SSE_SLOW_READER_TIMEOUT_MS,
      maxStreamsPerTenant: e.SSE_MAX_STREAMS_PER_TENANT,
      queryToken: e.SSE_QUERY_TOKEN ?? e.NODE_ENV !== 'production',
    },
    audio: {
      requireHttps: e.AUDIO_REQUIRE_HTTPS ?? !development,
      urlPolicy: e.AUDIO_URL_POLICY ?? (development ? 'permissive' : 'strict'),
      allowedHosts: e.AUDIO_ALLOWED_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
        .filter((h) => h !== ''),
    },
    logLevel: e.LOG_LEVEL,
    otel,
    console: {
      /** npm start may start the simulator beside Otto (always outside production). */
      simulatorAllowed: simulatorAllowed(e),
      // a stray SIMULATOR_URL in production turns nothing on without OTTO_ENABLE_SIMULATOR (D138)
      simulatorUrl: simulatorAllowed(e) ? e.SIMULATOR_URL?.replace(/\/+$/, '') : undefined,
      auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    },
  };
}

export type Config = Readonly<ReturnType<typeof build>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const SECRET_NAMES = [
  'OTTO_ADMIN_TOKEN',
  'UWC_JWT_SECRET',
  'UWC_HMAC_SECRET',
  'UWC_HMAC_SECRET_PREVIOUS',
  'AUTH_HS256_SECRET',
] as const;
const PUBLISHED: ReadonlySet<string> = new Set(Object.values(DEV_SECRETS));
/** The shortest secret production accepts (`openssl rand -hex 32` gives 64 characters; D136). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/** Outside development every secret is set, and none is a published development value (D135). */
function secretsOutsideDevelopment(e: ParsedEnv, set: (readonly [string, string])[]): string[] {
  const where = `outside development (NODE_ENV=${e.NODE_ENV})`;
  const problems: string[] = [];
  for (const name of ['OTTO_ADMIN_TOKEN', 'UWC_JWT_SECRET', 'UWC_HMAC_SECRET'] as const)
    if (e[name] === undefined) problems.push(`${name}: must be set ${where}`);
  if (e.AUTH_HS256_SECRET === undefined && e.AUTH_JWKS_URL === undefined)
    problems.push(`AUTH_HS256_SECRET or AUTH_JWKS_URL: one must be set ${where}`);
  for (const [name, value] of set)
    if (PUBLISHED.has(value)) problems.push(`${name}: the published development value is refused ${where}`);
  return problems;
}

/** Production: long, distinct secrets (D136), token issuer and audience (D136), a chosen Postgres (D137). */
function productionProblems(e: ParsedEnv, set: (readonly [string, string])[]): string[] {
  const problems: string[] = [];
  for (const [name, value] of set)
    if (value.length < MIN_PRODUCTION_SECRET_LENGTH)
      problems.push(`${name}: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`);
  for (const [i, [name, value]] of set.entries())
    for (const [other, otherValue] of set.slice(i + 1))
      if (value === otherValue) problems.push(`${name} and ${other}: must differ in production`);
  if (e.AUTH_ISSUER === undefined)
    problems.push("AUTH_ISSUER: must be set in production (the frontend tokens' iss)");
  if (e.AUTH_AUDIENCE === undefined)
    problems.push("AUTH_AUDIENCE: must be set in production (the frontend tokens' aud)");
  if (e.DATABASE_URL === undefined && e.OTTO_EMBEDDED_POSTGRES !== true)
    problems.push(
      'DATABASE_URL: must be set in production (or OTTO_EMBEDDED_POSTGRES=true to run the embedded Postgres)',
    );
  return problems;
}

function postureProblems(e: ParsedEnv): string[] {
  if (e.NODE_ENV === 'development') return [];
  const set = SECRET_NAMES.flatMap((name) => (e[name] === undefined ? [] : [[name, e[name]] as const]));
  return [
    ...secretsOutsideDevelopment(e, set),
    ...(e.NODE_ENV === 'production' ? productionProblems(e, set) : []),
  ];
}

/** Parses the environment (process.env by default). Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= command`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (parsed.success) problems.push(...postureProblems(parsed.data));
  problems.push(...otelProblems(cleaned as Record<string, string>));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return deepFreeze(build(parsed.data, otelOf(cleaned as Record<string, string>)));
}

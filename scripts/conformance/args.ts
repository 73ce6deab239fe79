// The command line of `npm run conformance`. Secrets may come from UWC_JWT_SECRET / UWC_HMAC_SECRET
// instead of flags (flags win), so they need not appear in a process list.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PACKED } from './assets.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The contract checked when --contract is not given (inside the packed kit, D177). */
export const DEFAULT_CONTRACT = 'contracts/shunya.openapi.yaml';

/** How the kit is started: from the repository, or the packed command (npm run conformance:pack). */
const CMD = PACKED ? 'otto-shunya-conformance' : 'npm run conformance --';
const PAD = ' '.repeat(CMD.length + 1);

/** The exit codes (D176); README "For the Shunya team" and docs/implementing-shunya.md say the same. */
export const EXIT = { pass: 0, deviations: 1, usage: 2, couldNotRun: 3 } as const;

export const USAGE = `Usage:
  ${CMD} --target shunya --base-url URL --jwt-secret S --hmac-secret H --listen PORT
${PAD}--report DIR [--company-id A --company-id B] [--quick] [options]
  ${CMD} --target otto --base-url URL --hmac-secret H --report DIR
${PAD}[--job-id ID --company-id C [--job-kind transcription|analysis|segmentation]]
${PAD}[--admin-token T] [options]

Shunya target (checks a Shunya deployment against contracts/shunya.openapi.yaml, §13 of the handoff):
  --listen PORT          where the kit receives Shunya's webhooks: POST /api/v1/shunya/webhook
  --listen-host H        interface to listen on (127.0.0.1; 0.0.0.0 to accept from other hosts)
  --public-url URL       the listener's externally visible URL (http://127.0.0.1:PORT), e.g. a tunnel's
                         https://kit-1234.example.net: the kit's audio is served there, and the two
                         tenants' webhook URL is <public-url>/api/v1/shunya/webhook
  --company-id ID        the two tenants (repeat twice); generated when absent
  --quick                one GET and one POST per security case, no second sales visit (CI)
  --time-scale X         virtual seconds per real second of the target (a simulator's; 1 for Shunya)
  --max-requests N       request budget (quick 600, full 1500)
  --deadline S           seconds before the kit stops probing (quick 900, full 1800)
  --async-budget-ms MS   how fast a submission must answer with its job id (5000)
  --audio-url URL        a recording of your own to submit instead of the kit's speech fixtures
  --call-id-base N       first call id (random above 7e12 by default)
Both:
  --contract FILE        another contract file (default: contracts/shunya.openapi.yaml, built in)
  --report DIR           where report.md, report.html, junit.xml and report.json go
Otto target (signed webhooks to an Otto deployment, §8):
  --job-id ID            a Shunya job id Otto is waiting for (with --company-id, its tenant)
  --admin-token T        Otto's operations token: the kit creates a tenant and a call to get a job
  --callrail-audio-url U recording URL for that call (https://recordings.example.com/conformance.mp3)
Environment: UWC_JWT_SECRET, UWC_HMAC_SECRET stand in for the secret flags.
Exit codes:
  0  every machine-checkable item passed (items needing confirmation do not fail a run)
  1  deviations found: at least one item failed (the report's "What to fix" lists them)
  2  usage error (a flag missing or malformed); nothing was sent
  3  the kit could not run, or not to the end, and found no deviation: its listener could not
     open, the target never answered, an item could not be checked (budget, deadline, a failed job)`;

export interface Args {
  target: 'shunya' | 'otto';
  baseUrl: string;
  jwtSecret: string;
  hmacSecret: string;
  listenPort: number;
  listenHost: string;
  publicUrl: string | undefined;
  reportDir: string;
  companies: string[];
  quick: boolean;
  timeScale: number;
  maxRequests: number;
  deadlineS: number;
  asyncBudgetMs: number;
  contractFile: string;
  audioUrl: string | undefined;
  callIdBase: number | undefined;
  jobId: string | undefined;
  jobKind: string;
  adminToken: string | undefined;
  callrailAudioUrl: string;
}

export class UsageError extends Error {}

const FLAGS = {
  target: { type: 'string' },
  'base-url': { type: 'string' },
  'jwt-secret': { type: 'string' },
  'hmac-secret': { type: 'string' },
  listen: { type: 'string' },
  'listen-host': { type: 'string' },
  'public-url': { type: 'string' },
  report: { type: 'string' },
  'company-id': { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  'time-scale': { type: 'string' },
  'max-requests': { type: 'string' },
  deadline: { type: 'string' },
  'async-budget-ms': { type: 'string' },
  contract: { type: 'string' },
  'audio-url': { type: 'string' },
  'call-id-base': { type: 'string' },
  'job-id': { type: 'string' },
  'job-kind': { type: 'string' },
  'admin-token': { type: 'string' },
  'callrail-audio-url': { type: 'string' },
  help: { type: 'boolean' },
} as const;

function number(v: string | undefined, name: string, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${v}"`);
  return n;
}

export function parse(argv: string[], env: NodeJS.ProcessEnv): Args | 'help' {
  let f: Record<string, unknown>;
  try {
    f = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (f.help) return 'help';
  const str = (k: string) => f[k] as string | undefined;
  const target = str('target');
  if (target !== 'shunya' && target !== 'otto') throw new UsageError('--target must be shunya or otto');
  const need = (k: string, v: string | undefined) => {
    if (!v) throw new UsageError(`--${k} is required for --target ${target}`);
    return v;
  };
  const baseUrl = need('base-url', str('base-url'));
  const hmacSecret = need('hmac-secret', str('hmac-secret') ?? env.UWC_HMAC_SECRET);
  const jwtSecret =
    target === 'shunya'
      ? need('jwt-secret', str('jwt-secret') ?? env.UWC_JWT_SECRET)
      : (str('jwt-secret') ?? '');
  const quick = f.quick === true;
  const listen = target === 'shunya' ? number(need('listen', str('listen')), 'listen', 0) : 0;
  const companies = (f['company-id'] as string[] | undefined) ?? [];
  if (companies.length > 2) throw new UsageError('--company-id at most twice');
  const suffix = randomBytes(3).toString('hex');
  if (target === 'shunya')
    while (companies.length < 2)
      companies.push(`conformance_${companies.length === 0 ? 'a' : 'b'}_${suffix}`);
  if (companies.length === 2 && companies[0] === companies[1])
    throw new UsageError('the two --company-id values must differ');
  return {
    target,
    baseUrl,
    jwtSecret,
    hmacSecret,
    listenPort: listen,
    listenHost: str('listen-host') ?? '127.0.0.1',
    publicUrl: str('public-url')?.replace(/\/+$/, ''),
    reportDir: need('report', str('report')),
    companies,
    quick,
    timeScale: number(str('time-scale'), 'time-scale', 1, 1e-6),
    maxRequests: number(str('max-requests'), 'max-requests', quick ? 600 : 1500, 1),
    deadlineS: number(str('deadline'), 'deadline', quick ? 900 : 1800, 1),
    asyncBudgetMs: number(str('async-budget-ms'), 'async-budget-ms', 5000, 1),
    contractFile: str('contract') === undefined ? DEFAULT_CONTRACT : path.resolve(str('contract')!),
    audioUrl: str('audio-url'),
    callIdBase:
      str('call-id-base') === undefined ? undefined : number(str('call-id-base'), 'call-id-base', 0, 1),
    jobId: str('job-id'),
    jobKind: str('job-kind') ?? 'transcription',
    adminToken: str('admin-token'),
    callrailAudioUrl: str('callrail-audio-url') ?? 'https://recordings.example.com/conformance.mp3',
  };
}

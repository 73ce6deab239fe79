// npm run demo [-- --standalone]: drives one CSR call and one sales visit through the running system and
// prints what happens, step by step: the trigger and its answer, the job's stages and Shunya operations,
// the signed webhooks Otto received, the tenant's domain events (SSE) as they arrive, and what the
// frontend reads at the end. Exits non-zero if either job does not succeed.
//
// It talks to the Otto that `npm start` runs (OTTO_URL, default http://HOST:PORT from the same variables
// as npm start). If nothing answers there, or with --standalone, it first starts the whole system itself,
// as separate processes (scripts/lib/stack.ts): a throwaway embedded Postgres, the simulator and Otto.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type {
  CallAnalysisView,
  CallRailAccepted,
  Company,
  DomainEvent,
  JobDetail,
  RecordingSessionView,
  UploadAudioAccepted,
} from '../generated/otto/types.gen.ts';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { DEMO } from '../src/dev/demo.ts';
import { callRailPayload, callRailSignature } from '../wire/index.ts';
import { openSse, type SseClient } from './lib/sse-client.ts';
import { migrate, startFleet, startPostgres, startSimulator } from './lib/stack.ts';

const { values: args } = parseArgs({ options: { standalone: { type: 'boolean', default: false } } });

const started = Date.now();
const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const say = (line: string) => console.log(`${clock()}  ${line}`);
const heading = (title: string) => console.log(`\n== ${title} ${'='.repeat(Math.max(0, 90 - title.length))}`);
const short = (s: string | null | undefined, n = 100) =>
  s ? (s.length > n ? `${s.slice(0, n - 1)}…` : s) : '—';

interface Target {
  url: string;
  config: Config;
  stop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  return fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    .then((r) => r.ok)
    .catch(() => false);
}

/** The running system, or (when nothing answers, or --standalone) one started here on free ports. */
async function target(): Promise<Target> {
  const config = loadConfig(process.env);
  const url = process.env.OTTO_URL || config.http.publicBaseUrl;
  if (!args.standalone && (await reachable(url))) return { url, config, stop: async () => {} };
  console.log(
    args.standalone
      ? 'Starting the whole system (--standalone): a throwaway Postgres, the simulator and Otto, as processes.'
      : `Nothing answers at ${url} (is \`npm start\` running?). Starting the whole system for the demo: ` +
          'a throwaway embedded Postgres, the simulator and Otto, as processes on free ports.',
  );
  const pg = await startPostgres({ durable: false });
  const dbUrl = await pg.createDatabase('otto_demo');
  await migrate(dbUrl);
  const sim = await startSimulator({
    webhookUrl: 'http://127.0.0.1:9/unused',
    argv: ['--time-scale', process.env.SIM_TIME_SCALE || '60'],
  });
  const fleet = await startFleet({
    layout: 'all',
    dbUrl,
    env: { NODE_ENV: 'development', UWC_BASE_URL: sim.url, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' },
  });
  const ottoUrl = fleet.apiUrls[0] as string;
  await sim.admin('/config', { webhook_url: `${ottoUrl}/api/v1/shunya/webhook` }, 'PUT');
  return {
    url: ottoUrl,
    config: loadConfig({ ...process.env, NODE_ENV: 'development' }),
    async stop() {
      await fleet.stop();
      sim.proc.child.kill('SIGTERM');
      await sim.proc.exited;
      await pg.stop();
    },
  };
}

async function call<T>(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; body: T }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * The demo tenant and its CallRail signing key. In development: the one npm start seeds, with the published
 * key (created through the ops API when this Otto does not have it). Elsewhere the published key is never
 * used (D90): a fresh tenant is created through the ops API, with a key Otto generates.
 */
async function demoCompany(t: Target): Promise<{ company: Company; signingKey: string; callrailId: string }> {
  const admin = t.config.auth.adminToken;
  const create = async (body: Record<string, unknown>) => {
    const created = await call<Company & { callrail_signing_key: string }>(`${t.url}/api/v1/ops/companies`, {
      method: 'POST',
      token: admin,
      body: JSON.stringify(body),
    });
    if (created.status !== 201) throw new Error(`creating the demo tenant → ${created.status}`);
    return created.body;
  };
  if (t.config.env !== 'development') {
    const callrailId = `demo-${Date.now()}`;
    const c = await create({ name: DEMO.name, callrail_company_id: callrailId });
    return { company: c, signingKey: c.callrail_signing_key, callrailId };
  }
  const list = await call<{ items: Company[] }>(`${t.url}/api/v1/ops/companies`, { token: admin });
  if (list.status !== 200)
    throw new Error(`GET /api/v1/ops/companies → ${list.status}: ${JSON.stringify(list.body)}`);
  const found =
    list.body.items.find((c) => c.callrail_company_id === DEMO.callrailCompanyId) ??
    (await create({
      name: DEMO.name,
      callrail_company_id: DEMO.callrailCompanyId,
      callrail_signing_key: DEMO.signingKey,
    }));
  return { company: found, signingKey: DEMO.signingKey, callrailId: DEMO.callrailCompanyId };
}

/** The tenant's event stream, and how many of its events have been printed. */
interface Events {
  sse: SseClient;
  printed: number;
}

/** Opens the tenant's event stream; it starts at the present, so no earlier event is replayed (D147). */
async function openEvents(url: string, token: string): Promise<Events> {
  const sse = await openSse(`${url}/api/v1/events`, { authorization: `Bearer ${token}` });
  if (sse.status !== 200) throw new Error(`GET /api/v1/events → ${sse.status}`);
  return { sse, printed: 0 };
}

function printNewEvents(events: Events) {
  for (; events.printed < events.sse.events.length; events.printed++) {
    const e = JSON.parse(events.sse.events[events.printed]?.data ?? '{}') as DomainEvent;
    say(`  event #${e.id} ${e.type} (${e.aggregate_type} ${e.aggregate_id.slice(0, 8)})`);
  }
}

/** Follows a job through the ops API until it ends, printing each change and each new domain event. */
async function follow(t: Target, jobId: string, events: Events) {
  const seen = new Set<string>();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { body: job } = await call<JobDetail>(`${t.url}/api/v1/ops/jobs/${jobId}`, {
      token: t.config.auth.adminToken,
    });
    const lines: string[] = [`job ${job.job_status}, stage ${job.stage}, attempt ${job.attempts}`];
    for (const o of job.operations)
      lines.push(
        `Shunya ${o.kind}: ${o.status}${o.shunya_job_id ? ` (Shunya job ${o.shunya_job_id})` : ''}${o.poll_count ? `, polled ${o.poll_count}×` : ''}`,
      );
    for (const d of job.webhook_deliveries)
      lines.push(
        `webhook ${d.id.slice(0, 8)} from Shunya (${d.profile} profile): ${d.verdict}, HTTP ${d.http_status}`,
      );
    for (const a of job.attempts_log)
      if (a.error) lines.push(`attempt ${a.attempt}: ${a.outcome}: ${a.error.error_code} ${a.error.message}`);
    for (const l of lines) {
      if (seen.has(l)) continue;
      seen.add(l);
      say(l.startsWith('job ') ? `◆ ${l}` : `  ${l}`);
    }
    printNewEvents(events);
    if (['succeeded', 'failed', 'timeout'].includes(job.job_status)) {
      await new Promise((r) => setTimeout(r, 500)); // the last events are relayed just after the commit
      printNewEvents(events);
      return job;
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end within 180 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const t = await target();
  let ok = false;
  try {
    const { company, signingKey, callrailId } = await demoCompany(t);
    const token = await mintDevToken(t.config, company.id, { role: 'manager', subject: 'demo' });
    console.log(`Otto ${t.url}, tenant "${company.name}" (${company.id})`);
    const events = await openEvents(t.url, token);

    heading('1. A CSR call: CallRail posts its post-call webhook');
    const payload = callRailPayload({
      resourceId: `CALdemo${Date.now()}`,
      callrailCompanyId: callrailId,
      recordingUrl: 'https://recordings.example.com/demo-call.mp3',
      customerPhone: '+12175550123',
      customerName: 'Jordan Demo',
      durationSeconds: 312,
      direction: 'inbound',
      answered: true,
    });
    const raw = JSON.stringify(payload);
    const signature = callRailSignature(signingKey, raw);
    say(`POST /webhooks/callrail/call.completed (CallRail call ${payload.resource_id}, signed HMAC-SHA1)`);
    const accepted = await call<CallRailAccepted>(`${t.url}/webhooks/callrail/call.completed`, {
      method: 'POST',
      headers: { signature },
      body: raw,
    });
    say(`→ ${accepted.status} ${JSON.stringify(accepted.body)}`);
    if (accepted.status !== 202 || !accepted.body.job_id) throw new Error('the trigger was not accepted');
    const callId = accepted.body.call_id;

    heading('2. Otto drives Shunya: transcription, then analysis (webhooks, poll as fallback)');
    const callJob = await follow(t, accepted.body.job_id, events);

    heading('3. What the frontend reads: GET /api/v1/calls/{call_id}/analysis');
    const { body: analysis } = await call<CallAnalysisView>(`${t.url}/api/v1/calls/${callId}/analysis`, {
      token,
    });
    say(`status ${analysis.status}`);
    say(`transcript: ${analysis.transcript.word_count ?? 0} words, "${short(analysis.transcript.text, 80)}"`);
    say(`summary: ${short(analysis.summary)}`);
    say(
      `qualification: ${analysis.qualification?.qualification_status ?? '—'}, booking ${analysis.qualification?.booking_status ?? '—'}, lead ${analysis.lead?.status ?? '—'}`,
    );
    say(
      `objections: ${(analysis.objections ?? []).map((o) => o.category ?? o.objection_text).join(', ') || 'none'}`,
    );
    say(`appointment: ${analysis.appointment_id ?? 'none booked'}`);

    heading('4. A sales visit: the rep app uploads the recording');
    const sessionId = randomUUID();
    const repToken = await mintDevToken(t.config, company.id, { role: 'sales_rep', subject: 'demo-rep' });
    const upload = {
      audio_url: 'https://uploads.example.com/demo-visit.m4a',
      file_size_bytes: 24_117_248,
      duration_seconds: 1800,
      ...(analysis.appointment_id ? { appointment_id: analysis.appointment_id } : {}),
    };
    say(`POST /api/v1/recording-sessions/${sessionId}/upload-audio ${JSON.stringify(upload)}`);
    const uploaded = await call<UploadAudioAccepted>(
      `${t.url}/api/v1/recording-sessions/${sessionId}/upload-audio`,
      { method: 'POST', token: repToken, body: JSON.stringify(upload) },
    );
    say(`→ ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
    if (uploaded.status !== 202) throw new Error('the upload was not accepted');

    heading('5. Otto drives Shunya: transcription, meeting segmentation, then analysis');
    const visitJob = await follow(t, uploaded.body.job_id, events);

    heading('6. What the frontend reads: GET /api/v1/recording-sessions/{session_id}');
    const { body: session } = await call<RecordingSessionView>(
      `${t.url}/api/v1/recording-sessions/${sessionId}`,
      {
        token,
      },
    );
    say(`status ${session.status}, outcome ${session.analysis?.outcome ?? '—'}`);
    say(
      `part 1 (${session.analysis?.part1?.duration ?? '?'} s): ${short(session.analysis?.part1?.content, 80)}`,
    );
    say(
      `part 2 (${session.analysis?.part2?.duration ?? '?'} s): ${short(session.analysis?.part2?.content, 80)}`,
    );
    say(`summary: ${short(session.analysis?.summary)}`);
    if (session.appointment_id) {
      const { body: appointment } = await call<{ status: string; outcome: string | null }>(
        `${t.url}/api/v1/appointments/${session.appointment_id}`,
        { token },
      );
      say(
        `appointment ${session.appointment_id}: ${appointment.status}, outcome ${appointment.outcome ?? '—'}`,
      );
    }
    events.sse.close();

    ok = callJob.job_status === 'succeeded' && visitJob.job_status === 'succeeded';
    heading(ok ? 'Both jobs succeeded' : 'A job did not succeed');
    console.log(
      `CSR call job ${callJob.id}: ${callJob.job_status}; sales visit job ${visitJob.id}: ${visitJob.job_status}`,
    );
  } finally {
    await t.stop();
  }
  process.exit(ok ? 0 : 1);
}

await main();

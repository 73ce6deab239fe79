// Otto's UWC client (§4), over the generated Shunya contract's paths (endpoints.ts). Every request carries the
// headers of §4.5; bodies are serialised once and those exact bytes are signed and sent (D15); retries,
// timeouts and circuit breakers are in executor.ts and breakers.ts (D16).
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { BreakerRegistry } from './breakers.ts';
import { type Endpoint, endpointLabel, shunyaEndpoints } from './endpoints.ts';
import {
  type AttemptHeaders,
  type ExecutorSettings,
  executeOperation,
  type WireResponse,
} from './executor.ts';
import { asRecord, get, text } from './normalize/coerce.ts';
import { polledStatus, type ResultContext, toSegmentationAnswer, toSubmitted } from './results.ts';
import { answerBody, fetchTransport, httpTransport, type Transport } from './transport.ts';
import type { RequestOptions, ShunyaClient } from './types.ts';

export interface ShunyaClientOptions {
  baseUrl: string;
  jwtSecret: string;
  hmacSecret: string;
  /** `iss` claim; omitted when undefined or empty. */
  jwtIssuer?: string | undefined;
  /** `aud` claim; omitted when undefined or empty. */
  jwtAudience?: string | undefined;
  version: string;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  /** ± fraction of each retry delay, e.g. 0.2. */
  retryJitter: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Default 60 s: a longer Retry-After ends the in-process retries (the job layer waits instead). */
  maxRetryAfterMs?: number;
  /** How each attempt is sent; node:http by default (D550). */
  transport?: Transport;
  /** A fetch to send with instead (tests' scripted answers, Prism); ignored when `transport` is given. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
  /** Called when a breaker opens, with the instant until which it is open (metrics; telling the other processes, D101). */
  onBreakerOpen?: (endpoint: string, companyId: string, untilMs: number) => void;
}

export type ShunyaClientDeps = Pick<
  ShunyaClientOptions,
  'transport' | 'fetch' | 'sleep' | 'now' | 'random' | 'logger' | 'maxRetryAfterMs' | 'onBreakerOpen'
>;

/** Non-blocking: a timer, cancelled by the signal. */
const timerSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {});

type Send = (h: AttemptHeaders, signal: AbortSignal) => Promise<WireResponse>;

/** Sends one attempt: the endpoint's template filled with the call id, the attempt's headers, the body's bytes. */
type Api = (
  endpoint: Endpoint,
  h: AttemptHeaders,
  signal: AbortSignal,
  callId?: number,
  bytes?: string,
) => Promise<WireResponse>;

/** Runs one operation through the executor (headers, signature, retries, breakers) and labels its answer. */
type Run = (
  endpoint: Endpoint,
  companyId: string | null,
  opts: RequestOptions,
  send: Send,
  body?: string,
) => Promise<{ status: number; body: unknown; ctx: ResultContext }>;

function executorSettings(o: ShunyaClientOptions, breakers: BreakerRegistry): ExecutorSettings {
  return {
    jwt: { secret: o.jwtSecret, issuer: o.jwtIssuer || undefined, audience: o.jwtAudience || undefined },
    hmacSecret: o.hmacSecret,
    version: o.version,
    timeoutMs: o.timeoutMs,
    retryDelaysMs: o.retryDelaysMs,
    retryJitter: o.retryJitter,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
    breakers,
    sleep: o.sleep ?? timerSleep,
    now: o.now ?? Date.now,
    random: o.random ?? Math.random,
    logger: o.logger ?? pino({ level: 'silent' }),
  };
}

function runner(settings: ExecutorSettings): Run {
  return async (endpoint, companyId, opts, send, body) => {
    const r = await executeOperation(
      { endpoint, companyId, opts, send, ...(body === undefined ? {} : { body }) },
      settings,
    );
    return {
      ...r,
      ctx: {
        ottoRequestId: opts.requestId,
        endpoint: endpointLabel(endpoint),
        status: r.status,
        shunyaRequestId: r.shunyaRequestId,
      },
    };
  };
}

/** The attempt's headers as one record, undefined values left out (as openapi-fetch merged them before D550). */
function headerRecord(...parts: Record<string, string | undefined>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parts) for (const k in part) if (part[k] !== undefined) out[k] = part[k] as string;
  return out;
}

/**
 * Every call reads the body as text: classifyOutcome parses it, so a non-JSON 2xx is a typed error. The
 * body's bytes are the ones serialised once, signed and sent (D15).
 */
function apiOver(baseUrl: string, transport: Transport): Api {
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return async (endpoint, h, signal, callId, bytes) => {
    const path =
      callId === undefined
        ? endpoint.path
        : endpoint.path.replace('{call_id}', encodeURIComponent(String(callId)));
    const { 'X-Company-ID': company, ...contract } = h.contract;
    // unauthenticated (no tenant, the health check): no X-Company-ID
    const tenant = endpoint === shunyaEndpoints.health ? {} : { 'X-Company-ID': company };
    const a = await transport({
      method: endpoint.method,
      url: `${base}${path}`,
      headers: headerRecord(h.other, tenant, contract),
      signal,
      ...(bytes === undefined ? {} : { body: bytes }),
    });
    return { status: a.status, headers: a.headers, body: answerBody(endpoint.method, a) };
  };
}

type Transcription = Pick<ShunyaClient, 'transcribe' | 'getTranscriptionStatus' | 'getTranscript'>;

function transcriptionCalls(api: Api, run: Run): Transcription {
  return {
    async transcribe(companyId, input, opts) {
      // §4.1's payload, defaults spelled out (the contract's defaults).
      const body = {
        call_id: input.call_id,
        audio_url: input.audio_url,
        call_type: input.call_type,
        language: input.language ?? 'en-US',
        model: 'default',
      };
      const bytes = JSON.stringify(body);
      const e = shunyaEndpoints.transcribe;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, undefined, bytes), bytes);
      return toSubmitted(r.body, r.ctx);
    },
    async getTranscriptionStatus(companyId, callId, opts) {
      const e = shunyaEndpoints.transcriptionStatus;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return polledStatus(r.body, r.ctx);
    },
    async getTranscript(companyId, callId, opts) {
      const e = shunyaEndpoints.transcript;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return r.body ?? null;
    },
  };
}

type Analysis = Pick<ShunyaClient, 'startAnalysis' | 'getAnalysisStatus' | 'getCompleteAnalysis'>;

function analysisCalls(api: Api, run: Run): Analysis {
  return {
    async startAnalysis(companyId, callId, opts) {
      // §4.2: no body; the call is in the path. Hence no X-Signature.
      const e = shunyaEndpoints.startAnalysis;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return toSubmitted(r.body, r.ctx);
    },
    async getAnalysisStatus(companyId, callId, opts) {
      const e = shunyaEndpoints.analysisStatus;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return polledStatus(r.body, r.ctx);
    },
    async getCompleteAnalysis(companyId, callId, opts) {
      const e = shunyaEndpoints.completeAnalysis;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return r.body ?? null;
    },
  };
}

type Segmentation = Pick<
  ShunyaClient,
  'analyzeSegmentation' | 'getSegmentationStatus' | 'getSegmentationAnalysis'
>;

function segmentationCalls(api: Api, run: Run): Segmentation {
  return {
    async analyzeSegmentation(companyId, input, opts) {
      const body = { call_id: input.call_id, analysis_type: input.analysis_type ?? 'full' }; // §4.4
      const bytes = JSON.stringify(body);
      const e = shunyaEndpoints.segmentationAnalyze;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, undefined, bytes), bytes);
      return toSegmentationAnswer(r.body, r.ctx);
    },
    async getSegmentationStatus(companyId, callId, opts) {
      const e = shunyaEndpoints.segmentationStatus;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return polledStatus(r.body, r.ctx);
    },
    async getSegmentationAnalysis(companyId, callId, opts) {
      const e = shunyaEndpoints.segmentationAnalysis;
      const r = await run(e, companyId, opts, (h, s) => api(e, h, s, callId));
      return r.body ?? null;
    },
  };
}

function healthCall(api: Api, run: Run): ShunyaClient['health'] {
  return async (opts) => {
    // Unauthenticated (no tenant): no JWT, no X-Company-ID.
    const e = shunyaEndpoints.health;
    const r = await run(e, null, opts, (h, signal) => api(e, h, signal));
    // Any 2xx means up; a body without a status (e.g. 204) reads as healthy.
    return { status: text(get(asRecord(r.body), 'status')) ?? 'healthy' };
  };
}

export function createShunyaClient(o: ShunyaClientOptions): ShunyaClient {
  const transport = o.transport ?? (o.fetch ? fetchTransport(o.fetch) : httpTransport());
  const api = apiOver(o.baseUrl, transport);
  const breakers = new BreakerRegistry(o.breakerThreshold, o.breakerCooldownMs, o.onBreakerOpen);
  const run = runner(executorSettings(o, breakers));
  return {
    ...transcriptionCalls(api, run),
    ...analysisCalls(api, run),
    ...segmentationCalls(api, run),
    health: healthCall(api, run),
    breakerStates: () => breakers.states(),
    breakerOpenedElsewhere: (endpoint, companyId, untilMs) =>
      breakers.openedElsewhere(endpoint, companyId, untilMs),
  };
}

/** The client from Otto's configuration (the `uwc` block) plus injectables for tests. */
export function shunyaClientFromConfig(
  config: Pick<Config, 'uwc'>,
  deps: ShunyaClientDeps = {},
): ShunyaClient {
  const { hmacSecretPrevious: _webhookOnly, ...uwc } = config.uwc;
  return createShunyaClient({ ...uwc, ...deps });
}

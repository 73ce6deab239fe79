// Otto's UWC client (§4): the only importer of the generated Shunya client. Every request carries the
// headers of §4.5; bodies are serialised once and those exact bytes are signed and sent (D15); retries,
// timeouts and circuit breakers are in executor.ts and breakers.ts (D16).
import { setTimeout as delay } from 'node:timers/promises';
import createClient from 'openapi-fetch';
import pino from 'pino';
import type { paths } from '../../generated/shunya/schema.d.ts';
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
  'fetch' | 'sleep' | 'now' | 'random' | 'logger' | 'maxRetryAfterMs' | 'onBreakerOpen'
>;

/** Non-blocking: a timer, cancelled by the signal. */
const timerSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {});

type Send = (h: AttemptHeaders, signal: AbortSignal) => Promise<WireResponse>;
type Api = ReturnType<typeof createClient<paths>>;

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

// Every call asks for the body as text: classifyOutcome parses it, so a non-JSON 2xx is a typed error.
const common = (h: AttemptHeaders, signal: AbortSignal) => ({
  params: { header: h.contract },
  headers: h.other,
  parseAs: 'text' as const,
  signal,
});

/** A request whose only parameter is the call, in the path (every status and result read). */
const byCall = (h: AttemptHeaders, signal: AbortSignal, callId: number) => ({
  ...common(h, signal),
  params: { header: h.contract, path: { call_id: callId } },
});

/** A JSON body, serialised once: those exact bytes are signed and sent (D15). */
const jsonBody = <B>(h: AttemptHeaders, signal: AbortSignal, body: B, bytes: string) => ({
  ...common(h, signal),
  body,
  bodySerializer: () => bytes,
});

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
      const r = await run(
        shunyaEndpoints.transcribe,
        companyId,
        opts,
        (h, s) => api.POST('/api/v1/transcription/transcribe', jsonBody(h, s, body, bytes)),
        bytes,
      );
      return toSubmitted(r.body, r.ctx);
    },
    async getTranscriptionStatus(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.transcriptionStatus, companyId, opts, (h, s) =>
        api.GET('/api/v1/transcription/status/{call_id}', byCall(h, s, callId)),
      );
      return polledStatus(r.body, r.ctx);
    },
    async getTranscript(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.transcript, companyId, opts, (h, s) =>
        api.GET('/api/v1/transcription/transcript/{call_id}', byCall(h, s, callId)),
      );
      return r.body ?? null;
    },
  };
}

type Analysis = Pick<ShunyaClient, 'startAnalysis' | 'getAnalysisStatus' | 'getCompleteAnalysis'>;

function analysisCalls(api: Api, run: Run): Analysis {
  return {
    async startAnalysis(companyId, callId, opts) {
      // §4.2: no body; the call is in the path. Hence no X-Signature.
      const r = await run(shunyaEndpoints.startAnalysis, companyId, opts, (h, s) =>
        api.POST('/api/v1/analysis/start/{call_id}', byCall(h, s, callId)),
      );
      return toSubmitted(r.body, r.ctx);
    },
    async getAnalysisStatus(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.analysisStatus, companyId, opts, (h, s) =>
        api.GET('/api/v1/analysis/status/{call_id}', byCall(h, s, callId)),
      );
      return polledStatus(r.body, r.ctx);
    },
    async getCompleteAnalysis(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.completeAnalysis, companyId, opts, (h, s) =>
        api.GET('/api/v1/analysis/complete/{call_id}', byCall(h, s, callId)),
      );
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
      const r = await run(
        shunyaEndpoints.segmentationAnalyze,
        companyId,
        opts,
        (h, s) => api.POST('/api/v1/meeting-segmentation/analyze', jsonBody(h, s, body, bytes)),
        bytes,
      );
      return toSegmentationAnswer(r.body, r.ctx);
    },
    async getSegmentationStatus(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.segmentationStatus, companyId, opts, (h, s) =>
        api.GET('/api/v1/meeting-segmentation/status/{call_id}', byCall(h, s, callId)),
      );
      return polledStatus(r.body, r.ctx);
    },
    async getSegmentationAnalysis(companyId, callId, opts) {
      const r = await run(shunyaEndpoints.segmentationAnalysis, companyId, opts, (h, s) =>
        api.GET('/api/v1/meeting-segmentation/analysis/{call_id}', byCall(h, s, callId)),
      );
      return r.body ?? null;
    },
  };
}

function healthCall(api: Api, run: Run): ShunyaClient['health'] {
  return async (opts) => {
    // Unauthenticated (no tenant): no JWT, no X-Company-ID.
    const r = await run(shunyaEndpoints.health, null, opts, (h, signal) => {
      const { 'X-Company-ID': _omit, ...contract } = h.contract;
      return api.GET('/health', { headers: { ...contract, ...h.other }, parseAs: 'text', signal });
    });
    // Any 2xx means up; a body without a status (e.g. 204) reads as healthy.
    return { status: text(get(asRecord(r.body), 'status')) ?? 'healthy' };
  };
}

export function createShunyaClient(o: ShunyaClientOptions): ShunyaClient {
  const api = createClient<paths>({ baseUrl: o.baseUrl, ...(o.fetch ? { fetch: o.fetch } : {}) });
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

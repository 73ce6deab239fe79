// The Shunya operations Otto uses (§4), by path template: breakers, logs and metrics are labelled by
// template, never by concrete path.
import type { paths } from '../../generated/shunya/schema.d.ts';

export interface Endpoint {
  method: 'GET' | 'POST';
  path: keyof paths;
}

export const shunyaEndpoints = {
  transcribe: { method: 'POST', path: '/api/v1/transcription/transcribe' },
  transcriptionStatus: { method: 'GET', path: '/api/v1/transcription/status/{call_id}' },
  transcript: { method: 'GET', path: '/api/v1/transcription/transcript/{call_id}' },
  startAnalysis: { method: 'POST', path: '/api/v1/analysis/start/{call_id}' },
  analysisStatus: { method: 'GET', path: '/api/v1/analysis/status/{call_id}' },
  completeAnalysis: { method: 'GET', path: '/api/v1/analysis/complete/{call_id}' },
  segmentationAnalyze: { method: 'POST', path: '/api/v1/meeting-segmentation/analyze' },
  segmentationStatus: { method: 'GET', path: '/api/v1/meeting-segmentation/status/{call_id}' },
  segmentationAnalysis: { method: 'GET', path: '/api/v1/meeting-segmentation/analysis/{call_id}' },
  health: { method: 'GET', path: '/health' },
} as const satisfies Record<string, Endpoint>;

export type ShunyaOperation = keyof typeof shunyaEndpoints;

/** `METHOD /path/{template}`, the label of breakers, logs and metrics. */
export function endpointLabel(e: Endpoint): string {
  return `${e.method} ${e.path}`;
}

/** Methods that carry an Idempotency-Key (§4.5, §4.6). */
export const MUTATING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const TEMPLATES = Object.values(shunyaEndpoints).map((e) => ({
  e: e as Endpoint,
  re: new RegExp(`^${e.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The endpoint of a concrete request, or undefined. */
export function endpointOfRequest(method: string, pathname: string): Endpoint | undefined {
  return TEMPLATES.find((t) => t.e.method === method && t.re.test(pathname))?.e;
}

/** The template label of a concrete request (for metrics of each HTTP attempt); `other` when unknown. */
export function labelOfRequest(method: string, pathname: string): string {
  const hit = endpointOfRequest(method, pathname);
  return hit ? endpointLabel(hit) : 'other';
}

// What the simulator panel's pieces share: the control API's types and choices, and one way to run a change.
import { useState } from 'preact/hooks';
import type { components } from '../../../../generated/sim-admin/schema.d.ts';
import { ApiError } from '../../api.ts';
import { describeError } from '../../components.tsx';

export type S = components['schemas'];
export const PRESETS: S['PresetName'][] = ['happy', 'slow', 'flaky', 'outage', 'chaos'];
export const FAULT_KINDS: S['FaultKind'][] = [
  'error',
  'rate_limit',
  'latency',
  'hang',
  'reset',
  'malformed_json',
  'success_false',
  'job_failure',
  'webhook_drop',
  'webhook_duplicate',
  'webhook_delay',
  'webhook_bad_signature',
  'webhook_stale_timestamp',
];
export const OPERATIONS: S['Operation'][] = [
  'http',
  'transcription',
  'analysis',
  'segmentation',
  'webhook',
  'transcribe',
  'analysis_start',
  'segmentation_analyze',
  'health',
];
export const LATENCY_KINDS = ['transcription', 'analysis', 'segmentation', 'webhook'] as const;

/** Runs one control-API change and reports it; the panel reloads after each. */
export function useAction(reload: () => void) {
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | undefined>();
  const run = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      setMsg({ ok: true, text: `${what}: done` });
      reload();
    } catch (e) {
      setMsg({ ok: false, text: `${what}: ${e instanceof ApiError ? describeError(e) : String(e)}` });
    }
  };
  return { msg, run };
}

export type Run = ReturnType<typeof useAction>['run'];

export const latencyText = (m: S['LatencyModel']) => {
  const x = m as Record<string, unknown>;
  if (x.model === 'fixed') return `${x.seconds} s`;
  if (x.model === 'uniform') return `${x.min_s}–${x.max_s} s`;
  return Object.entries(x)
    .filter(([k]) => k !== 'model')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
    .concat(` (${x.model})`);
};

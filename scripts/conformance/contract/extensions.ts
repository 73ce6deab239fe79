// Reads the contract's machine-readable `x-` extensions (error catalogue, webhook delivery policy,
// array ordering, audio limits, SLAs) wherever they sit in the document, leniently as to their exact
// shape, and falls back to the handoff's statements (fallbacks.ts) for what the contract does not state.
// Every choice is recorded as a Provenance line for the report (D66).
import {
  FALLBACK_AUDIO,
  FALLBACK_CATALOGUE,
  FALLBACK_ORDERING,
  FALLBACK_SLAS,
  FALLBACK_WEBHOOK_POLICY,
} from './fallbacks.ts';
import type {
  AudioLimits,
  CatalogueEntry,
  OrderingRule,
  Provenance,
  Sla,
  Slas,
  SortKey,
  WebhookPolicy,
} from './model.ts';

// biome-ignore lint/suspicious/noExplicitAny: the contract is arbitrary YAML
type Json = any;

export interface Found {
  pointer: string;
  /** The key of the object that holds the extension (a property name for x-ordering). */
  holder: string;
  value: Json;
}

/** Every value under a key matching `key`, anywhere in `doc`. */
export function findExtensions(doc: Json, key: RegExp): Found[] {
  const out: Found[] = [];
  const walk = (node: Json, pointer: string, holder: string) => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key.test(k)) out.push({ pointer: p, holder, value: v });
      else walk(v, p, Array.isArray(node) ? holder : k);
    }
  };
  walk(doc, '', '');
  return out;
}

const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;
const pick = (o: Json, ...keys: string[]): unknown => {
  for (const k of keys) if (o && typeof o === 'object' && o[k] !== undefined) return o[k];
  return undefined;
};

function catalogueEntry(code: string, v: Json, pointer: string): CatalogueEntry | null {
  const status = num(pick(v, 'http_status', 'status', 'http', 'status_code'));
  const type = pick(v, 'error_type', 'type');
  const retryable = pick(v, 'retryable');
  if (status === null || typeof type !== 'string' || typeof retryable !== 'boolean') return null;
  const when = pick(v, 'when', 'description', 'meaning');
  return {
    code,
    status,
    type,
    retryable,
    source: `contract ${pointer}`,
    ...(typeof when === 'string' ? { when } : {}),
  };
}

/** `[{error_code, …}]`, `{codes: [{error_code, …}]}` or `{CODE: {…}}`. */
function catalogueList(value: Json): [string, Json][] {
  const list = Array.isArray(value) ? value : Array.isArray(value?.codes) ? value.codes : null;
  if (list) return list.map((v: Json) => [String(pick(v, 'error_code', 'code') ?? ''), v]);
  return Object.entries(value ?? {}).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
}

export function readCatalogue(doc: Json, prov: Provenance[]): CatalogueEntry[] {
  const found = findExtensions(doc, /^x-error-(catalog(ue)?|codes)$/);
  const entries: CatalogueEntry[] = [];
  for (const f of found)
    for (const [code, v] of catalogueList(f.value)) {
      const entry = code ? catalogueEntry(code, v, f.pointer) : null;
      if (entry && !entries.some((x) => x.code === entry.code)) entries.push(entry);
    }
  if (entries.length > 0) {
    prov.push({
      what: 'error catalogue',
      from: 'contract',
      detail: `${entries.length} codes from ${found.map((f) => f.pointer).join(', ')}`,
    });
    return entries;
  }
  prov.push({
    what: 'error catalogue',
    from: 'handoff',
    detail: `the contract has no x-error-catalogue; ${FALLBACK_CATALOGUE.length} codes from §5.1, the contract's examples and Shunya's table`,
  });
  return FALLBACK_CATALOGUE;
}

/** Answers named in a policy's per-answer table: `{ '400': {retry: false}, timeout: {retried: true} }`
 * or lists `retry_on: [...]`, `no_retry_on: [...]`. */
function answers(p: Json): { retried: string[]; notRetried: string[] } {
  const retried: string[] = [];
  const notRetried: string[] = [];
  const table = pick(p, 'otto_answers', 'answers', 'responses', 'by_answer', 'by_response');
  if (table && typeof table === 'object' && !Array.isArray(table))
    for (const [k, v] of Object.entries(table)) {
      const r = typeof v === 'boolean' ? v : pick(v, 'retry', 'retried', 'retries', 'shunya_retries');
      if (typeof r === 'boolean') (r ? retried : notRetried).push(k);
    }
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  retried.push(...list(pick(p, 'retry_on', 'retried_on')));
  notRetried.push(...list(pick(p, 'no_retry_on', 'not_retried_on', 'do_not_retry_on')));
  return { retried, notRetried };
}

export function readWebhookPolicy(doc: Json, prov: Provenance[]): WebhookPolicy {
  const found = findExtensions(doc, /^x-(webhook-)?(delivery|retry)(-policy)?$|^x-webhook-policy$/);
  const p = found.find((f) => f.value && typeof f.value === 'object')?.value;
  const fb = FALLBACK_WEBHOOK_POLICY;
  if (!p) {
    prov.push({ what: 'webhook delivery policy', from: 'handoff', detail: fb.source });
    return fb;
  }
  const src = pick(p, 'retry', 'retries', 'backoff', 'schedule') ?? p;
  const schedule = pick(src, 'schedule_s', 'delays_s', 'schedule', 'delays');
  const first = Array.isArray(schedule)
    ? num(schedule[0])
    : num(pick(src, 'first_delay_s', 'initial_delay_s', 'initial_s', 'base_delay_s'));
  const factor =
    num(pick(src, 'factor', 'multiplier', 'backoff_factor')) ??
    (Array.isArray(schedule) && schedule.length > 1 ? (num(schedule[1]) ?? 2) / (first || 1) : fb.factor);
  const a = answers(p);
  const policy: WebhookPolicy = {
    firstDelayS: first,
    factor,
    jitter: num(pick(src, 'jitter', 'jitter_fraction')) ?? fb.jitter,
    maxDelayS: num(pick(src, 'max_delay_s', 'max_s')),
    attempts: num(pick(p, 'attempts', 'max_attempts') ?? pick(src, 'attempts', 'max_attempts')),
    giveUpAfterS: num(pick(p, 'give_up_after_s', 'deadline_s', 'give_up_s') ?? pick(src, 'give_up_after_s')),
    attemptTimeoutS: num(pick(p, 'attempt_timeout_s', 'timeout_s', 'per_attempt_timeout_s')),
    retriedAnswers: a.retried.length > 0 ? a.retried : fb.retriedAnswers,
    notRetriedAnswers: a.notRetried.length > 0 ? a.notRetried : fb.notRetriedAnswers,
    toleranceS: num(pick(p, 'timestamp_tolerance_s', 'tolerance_s')) ?? fb.toleranceS,
    lateToleranceS: num(pick(p, 'late_tolerance_s', 'lateness_tolerance_s')),
    source: `contract ${found[0]!.pointer}`,
  };
  prov.push({ what: 'webhook delivery policy', from: 'contract', detail: describePolicy(policy) });
  return policy;
}

export function describePolicy(p: WebhookPolicy): string {
  const first = p.firstDelayS === null ? 'unstated first delay' : `first retry after ${p.firstDelayS} s`;
  return (
    `${first}, ×${p.factor} each time, ±${Math.round(p.jitter * 100)}%` +
    `${p.attempts !== null ? `, ${p.attempts} attempts` : ''}` +
    `${p.giveUpAfterS !== null ? `, give up after ${p.giveUpAfterS} s` : ''}; ` +
    `retried after ${p.retriedAnswers.join('/')}; not after ${p.notRetriedAnswers.join('/')} (${p.source})`
  );
}

function sortKey(v: Json): SortKey | null {
  const field = typeof v === 'string' ? v : pick(v, 'field', 'by', 'key');
  if (typeof field !== 'string') return null;
  const rank = pick(v, 'rank');
  return {
    field,
    direction: pick(v, 'direction', 'order') === 'desc' ? 'desc' : 'asc',
    nulls: pick(v, 'nulls') === 'first' ? 'first' : 'last',
    ...(Array.isArray(rank) ? { rank: rank.map(String) } : {}),
  };
}

/** `x-ordering: {by: [{field, direction, nulls, rank}], contiguous: {start, end, tolerance_s}}` (or a
 * single key: `by: field`); `by: []` says the order carries no meaning. */
function orderingRule(property: string, v: Json): OrderingRule | null {
  const byValue = typeof v === 'string' ? v : pick(v, 'by', 'key', 'field');
  const by = (Array.isArray(byValue) ? byValue : [typeof v === 'string' ? v : { ...v, field: byValue }])
    .map(sortKey)
    .filter((k): k is SortKey => k !== null);
  const c = pick(v, 'contiguous', 'no_gaps');
  const contiguous =
    c && typeof c === 'object'
      ? {
          start: String(pick(c, 'start') ?? by[0]?.field ?? 'start_time'),
          end: String(pick(c, 'end') ?? 'end_time'),
          toleranceS: num(pick(c, 'tolerance_s')) ?? 0.05,
        }
      : c === true
        ? { start: by[0]?.field ?? 'start_time', end: 'end_time', toleranceS: 0.05 }
        : null;
  return by.length === 0 && !contiguous ? null : { property, by, contiguous };
}

export function readOrdering(doc: Json, prov: Provenance[]): OrderingRule[] {
  const rules: OrderingRule[] = [];
  const found = findExtensions(doc, /^x-ordering$/);
  for (const f of found) {
    const rule = f.holder ? orderingRule(f.holder, f.value) : null;
    if (rule && !rules.some((r) => r.property === rule.property)) rules.push(rule);
  }
  if (found.length > 0) {
    prov.push({ what: 'array ordering', from: 'contract', detail: rules.map(describeRule).join('; ') });
    return rules;
  }
  prov.push({
    what: 'array ordering',
    from: 'handoff',
    detail: `the contract has no x-ordering; §6.7: ${FALLBACK_ORDERING.map(describeRule).join('; ')}`,
  });
  return FALLBACK_ORDERING;
}

export const describeRule = (r: OrderingRule) =>
  `${r.property} by ${r.by
    .map(
      (k) =>
        `${k.field}${k.rank ? ` (${k.rank.join(' → ')})` : ` ${k.direction}`}${k.nulls === 'first' ? ', nulls first' : ''}`,
    )
    .join(', then ')}${r.contiguous ? ', no gaps' : ''}`;

export function readAudioLimits(doc: Json, prov: Provenance[]): AudioLimits {
  const v = findExtensions(doc, /^x-audio-limits$/)[0]?.value;
  const maxBytes = num(pick(v, 'max_size_bytes', 'max_bytes'));
  const maxSeconds = num(pick(v, 'max_duration_s', 'max_seconds', 'max_duration_seconds'));
  if (maxBytes === null || maxSeconds === null) {
    prov.push({ what: 'audio limits', from: 'handoff', detail: FALLBACK_AUDIO.source });
    return FALLBACK_AUDIO;
  }
  const formats = pick(v, 'formats', 'supported_formats');
  const refusal = pick(v, 'refusal');
  const ways = (Array.isArray(refusal) ? refusal : [refusal]).filter(
    (r): r is 'synchronous' | 'job_failure' => r === 'synchronous' || r === 'job_failure',
  );
  const limits: AudioLimits = {
    maxBytes,
    maxSeconds,
    formats: Array.isArray(formats) ? formats.map((f) => String(f).toLowerCase()) : FALLBACK_AUDIO.formats,
    refusal: ways.length ? ways : FALLBACK_AUDIO.refusal,
    source: 'contract x-audio-limits',
  };
  prov.push({
    what: 'audio limits',
    from: 'contract',
    detail: `${maxBytes} bytes, ${maxSeconds} s, ${limits.formats.join('/')}; refused ${limits.refusal.map((r) => (r === 'synchronous' ? 'at once (422)' : 'by a failed job with the code')).join(' or ')}`,
  });
  return limits;
}

function sla(v: Json, fb: Sla, perAudioMinute = false): Sla {
  const scale = perAudioMinute ? 1 / 60 : 1;
  const target = num(pick(v, perAudioMinute ? 'target_s_per_audio_minute' : 'target_s', 'target'));
  const max = num(pick(v, perAudioMinute ? 'max_s_per_audio_minute' : 'max_s', 'max'));
  return { target: target === null ? fb.target : target * scale, max: max === null ? fb.max : max * scale };
}

export function readSlas(doc: Json, prov: Provenance[]): Slas {
  const v = findExtensions(doc, /^x-(processing-)?slas?$/)[0]?.value;
  if (!v || typeof v !== 'object') {
    prov.push({ what: 'processing SLAs', from: 'handoff', detail: FALLBACK_SLAS.source });
    return FALLBACK_SLAS;
  }
  const fb = FALLBACK_SLAS;
  const slas: Slas = {
    transcriptionPerAudioSecond: sla(pick(v, 'transcription'), fb.transcriptionPerAudioSecond, true),
    analysis: sla(pick(v, 'analysis'), fb.analysis),
    segmentation: sla(pick(v, 'segmentation', 'meeting_segmentation'), fb.segmentation),
    webhook: sla(pick(v, 'webhook', 'webhook_delivery'), fb.webhook),
    source: 'contract x-slas',
  };
  const t = slas.transcriptionPerAudioSecond;
  prov.push({
    what: 'processing SLAs',
    from: 'contract',
    detail: `transcription ${t.target * 60}/${t.max * 60} s per audio minute, analysis ${slas.analysis.target}/${slas.analysis.max} s, segmentation ${slas.segmentation.target}/${slas.segmentation.max} s, webhook ${slas.webhook.target}/${slas.webhook.max} s (target/max)`,
  });
  return slas;
}

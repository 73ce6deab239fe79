// Proof that the kit is right (issue 10 part 3, issue 17 item 7): for each deliberate deviation of the
// simulator (simulator/deviations.ts), switched on for two fresh tenants, the kit fails EXACTLY the §13
// items the deviation breaks and nothing else; for each behaviour the contract allows (a variation), and
// for the simulator as it is (the control), it fails nothing. All runs share one simulator at time
// scale 60 and run side by side: every run has its own tenants and listener, so they cannot interfere
// (D167).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedItems, notCheckedItems, type Report } from '../../scripts/conformance/results.ts';
import { DEVIATIONS, type Deviation, VARIATIONS, type Variation } from '../../simulator/deviations.ts';
import { type SimulatorHandle, startSimulator } from '../../simulator/server.ts';
import { runKit } from './kit.ts';

/** What each deviation breaks (docs/decisions.md D68 says how a violation is routed to an item). */
const EXPECTED: Record<Deviation, string[]> = {
  field_alias: ['13.1.3', '13.4.3', '13.10.2'],
  missing_required_field: ['13.1.3', '13.4.2'],
  confidence_out_of_range: ['13.1.3', '13.4.4'],
  unordered_speakers: ['13.4.5', '13.10.4'],
  webhook_signature_uppercase: ['13.2.3'],
  webhook_signature_wrong: ['13.2.3', '13.2.6'],
  webhook_stale_timestamp: ['13.2.5'],
  webhook_no_retry: ['13.5.5'],
  webhook_without_task_id: ['13.5.3'],
  idempotency_ignored: ['13.3.1', '13.9.1', '13.9.2'],
  company_header_unchecked: ['13.2.2', '13.8.2'],
  expired_jwt_accepted: ['13.2.1'],
  errors_without_envelope: ['13.1.3', '13.1.4', '13.6.1', '13.6.2', '13.6.3', '13.6.4'],
  no_request_id: ['13.3.2'],
  request_id_not_in_errors: ['13.6.4'],
  retryable_inverted: ['13.6.2'],
  // the strict contract's error_code is the catalogue's enum, so the schema (13.1.3) fails too
  uncatalogued_error_codes: ['13.1.3', '13.6.3'],
  cross_tenant_readable: ['13.8.1'],
  beyond_sla: ['13.7.1'],
  audio_limits_unchecked: ['13.7.3'],
  jwt_iss_unchecked: ['13.2.1'],
  jwt_aud_unchecked: ['13.2.1'],
  jwt_future_iat_accepted: ['13.2.1'],
  jwt_alg_none_accepted: ['13.2.1'],
  jwt_signature_unchecked: ['13.2.1'],
  signature_not_required: ['13.2.6'],
  signature_unchecked: ['13.2.6'],
  signature_over_reserialised_body: ['13.2.6'],
  request_id_replaced: ['13.3.2'],
  analysis_before_transcript: ['13.1.3'],
  cross_tenant_forbidden: ['13.8.1'],
  error_type_wrong: ['13.6.3'],
  idempotency_conflict_ignored: ['13.9.1'],
  total_objections_wrong: ['13.4.1'],
  category_id_mismatch: ['13.4.1'],
  severity_breakdown_wrong: ['13.4.1'],
  extra_field: ['13.1.3', '13.4.3'],
  enum_value_wrong: ['13.1.3', '13.4.1'],
  timestamp_with_offset: ['13.1.3', '13.4.1'],
  unordered_objections: ['13.4.5', '13.10.4'],
  webhook_result_differs: ['13.10.1'],
  webhook_retry_early: ['13.5.5'],
  webhook_retry_flat: ['13.5.5'],
  webhook_timestamp_seconds: ['13.2.5'],
  webhook_wrong_company_id: ['13.5.2'],
  webhook_content_type_text: ['13.5.3'],
  webhook_task_id_mismatch: ['13.5.3'],
};

/** The items a variation cannot let the kit check (they count as not checked, never as failed). */
const NOT_CHECKED: Partial<Record<Variation, string[]>> = {
  silent_audio_fails: ['13.3.3', '13.4.1', '13.4.5', '13.10.1', '13.10.4'],
};

const TIME_SCALE = 60;
/** The switches about webhook retry timing: judged to a fraction of a virtual second, so they run after
 * the others, on a quiet machine, at a slower time scale (D167). */
const TIMING = new Set<string>([
  'webhook_retry_early',
  'webhook_retry_late',
  'webhook_retry_early_within_jitter',
]);
const TIMING_SCALE = 20;
const handles: SimulatorHandle[] = [];
const reports = new Map<string, { report: Report; log: string[] }>();

type Run = [string, Deviation[], Variation[]];

/** Runs side by side, at most WAVE at once (more starve a 2-core machine: retries then look late). */
const WAVE = 16;

async function batch(runs: Run[], timeScale: number): Promise<void> {
  const h = await startSimulator({ timeScale });
  handles.push(h);
  for (let i = 0; i < runs.length; i += WAVE)
    await Promise.all(
      runs
        .slice(i, i + WAVE)
        .map(async ([name, deviations, variations]) =>
          reports.set(name, await runKit(h, `mut_${name}`, deviations, timeScale, variations)),
        ),
    );
}

beforeAll(async () => {
  const runs: Run[] = [
    ['control', [], []],
    ...DEVIATIONS.map((d): Run => [d, [d], []]),
    ...VARIATIONS.map((v): Run => [`variation_${v}`, [], [v]]),
  ];
  const timing = (r: Run) => TIMING.has(r[1][0] ?? r[2][0] ?? '');
  await batch(
    runs.filter((r) => !timing(r)),
    TIME_SCALE,
  );
  await batch(runs.filter(timing), TIMING_SCALE);
}, 420_000);
afterAll(async () => {
  for (const h of handles) await h.close();
});

/** The failing and unchecked checks with their first evidence, for a failing assertion's message. */
const explain = ({ report, log }: { report: Report; log: string[] }) =>
  [
    ...log.slice(-3),
    ...report.items.flatMap((i) =>
      i.checks
        .filter((c) => c.verdict === 'fail' || c.verdict === 'not-checked')
        .map(
          (c) =>
            `${i.id} [${c.verdict}] ${c.name}: ${c.detail} | ${c.evidence[0]?.note ?? ''} | ${c.evidence[0]?.response?.slice(0, 300) ?? ''}`,
        ),
    ),
  ].join('\n');

const sort = (xs: string[]) => [...xs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

describe('the conformance kit under deliberate deviations', () => {
  it('has at least 45 deviations, each with the items it must fail', () => {
    expect(DEVIATIONS.length).toBeGreaterThanOrEqual(45);
    expect(sort(Object.keys(EXPECTED))).toEqual(sort([...DEVIATIONS]));
  });

  it('fails nothing without a deviation (the control)', () => {
    const run = reports.get('control')!;
    expect(failedItems(run.report), explain(run)).toEqual([]);
    expect(notCheckedItems(run.report), explain(run)).toEqual([]);
  });

  it.each(DEVIATIONS)('%s: exactly the affected items fail, each with evidence', (d) => {
    const run = reports.get(d)!;
    const { report } = run;
    expect(sort(failedItems(report)), explain(run)).toEqual(sort(EXPECTED[d]));
    for (const item of report.items.filter((i) => i.verdict === 'fail'))
      for (const c of item.checks.filter((c) => c.verdict === 'fail'))
        expect(c.evidence.length, `${item.id} ${c.name}`).toBeGreaterThan(0);
  });
});

describe('the conformance kit under behaviours the contract allows', () => {
  it('has at least 10 variations', () => {
    expect(VARIATIONS.length).toBeGreaterThanOrEqual(10);
  });

  it.each(VARIATIONS)('%s: nothing fails', (v) => {
    const run = reports.get(`variation_${v}`)!;
    expect(failedItems(run.report), explain(run)).toEqual([]);
    expect(sort(notCheckedItems(run.report)), explain(run)).toEqual(sort(NOT_CHECKED[v] ?? []));
  });
});

// Proof that the kit is right (issue 10, part 3): for each deliberate deviation of the simulator
// (simulator/deviations.ts), switched on for two fresh tenants, the kit fails EXACTLY the §13 items the
// deviation breaks and nothing else; and the same run without a deviation (the control) fails nothing.
// All runs share one simulator at time scale 60 and run side by side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedItems, type Report } from '../../scripts/conformance/results.ts';
import { DEVIATIONS, type Deviation } from '../../simulator/deviations.ts';
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
};

const TIME_SCALE = 60;
let h: SimulatorHandle;
const reports = new Map<string, { report: Report; log: string[] }>();

beforeAll(async () => {
  h = await startSimulator({ timeScale: TIME_SCALE });
  const runs = [['control', [] as Deviation[]] as const, ...DEVIATIONS.map((d) => [d, [d]] as const)];
  await Promise.all(
    runs.map(async ([name, deviations]) =>
      reports.set(name, await runKit(h, `mut_${name}`, [...deviations], TIME_SCALE)),
    ),
  );
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const sort = (xs: string[]) => [...xs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

describe('the conformance kit under deliberate deviations', () => {
  it('has at least 12 deviations, each with the items it must fail', () => {
    expect(DEVIATIONS.length).toBeGreaterThanOrEqual(12);
    expect(sort(Object.keys(EXPECTED))).toEqual(sort([...DEVIATIONS]));
  });

  it('fails nothing without a deviation (the control)', () => {
    const { report, log } = reports.get('control')!;
    expect(failedItems(report), log.join('\n')).toEqual([]);
  });

  it.each(DEVIATIONS)('%s: exactly the affected items fail, each with evidence', (d) => {
    const { report, log } = reports.get(d)!;
    expect(sort(failedItems(report)), log.join('\n')).toEqual(sort(EXPECTED[d]));
    for (const item of report.items.filter((i) => i.verdict === 'fail'))
      for (const c of item.checks.filter((c) => c.verdict === 'fail'))
        expect(c.evidence.length, `${item.id} ${c.name}`).toBeGreaterThan(0);
  });
});

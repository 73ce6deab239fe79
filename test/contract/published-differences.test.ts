// Every difference between the strict Shunya contract and Shunya's published OpenAPI document is decided
// (D61): the two documents are compared operation by operation, and each difference must match an entry
// of docs/shunya-published-differences.yaml that names its decision in docs/decisions.md. A new
// difference (a contract change, or a new version of Shunya's document) fails until it is decided; an
// entry that matches nothing fails too, so the list stays the true list.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type Json, loadContract } from '../helpers/contracts.ts';
import { compareOperations, matches } from '../helpers/openapi-diff.ts';
import { ROOT } from '../helpers/spawn.ts';

// Shunya's document as published, copied into the repository with its provenance (D185).
const PUBLISHED = path.join(ROOT, 'test/fixtures/shunya-published/shunya-openapi.json');
const published = JSON.parse(readFileSync(PUBLISHED, 'utf8'));
const strict = loadContract('shunya.openapi.yaml');
const accepted: { match: string; decision: string; resolution: string }[] = YAML.parse(
  readFileSync(path.join(ROOT, 'docs/shunya-published-differences.yaml'), 'utf8'),
).differences;
const decisions = readFileSync(path.join(ROOT, 'docs/decisions.md'), 'utf8');

const differences = compareOperations(strict, published);

describe("the strict contract against Shunya's published document", () => {
  it('finds the differences the issue names (so the comparison can fail)', () => {
    const has = (pattern: string) => differences.some((d) => matches(pattern, d));
    expect(has('GET /api/v1/transcription/status/{call_id} response 422: only in Shunya*')).toBe(true);
    expect(has('GET /api/v1/transcription/status/{call_id} response 4??: only in the contract')).toBe(true);
    expect(has('POST /api/v1/transcription/transcribe request.call_type: required in the contract*')).toBe(
      true,
    );
    expect(has('POST /api/v1/transcription/transcribe request: closed in the contract*')).toBe(true);
    expect(has('POST /api/v1/transcription/transcribe request.language: only in the contract')).toBe(true);
    expect(has('POST /api/v1/transcription/transcribe success.task_id: not nullable*')).toBe(true);
    expect(has('GET /api/v1/transcription/status/{call_id} success.status: not nullable*')).toBe(true);
    expect(
      has('GET /api/v1/meeting-segmentation/analysis/{call_id} success.part1.start_time: required*'),
    ).toBe(true);
    expect(has('* success.success: const true in the contract*')).toBe(true);
    expect(has('* success.meeting_structure_score: maximum 5 in the contract*')).toBe(true);
    expect(has('GET /api/v1/analysis/complete/{call_id} success: untyped in Shunya*')).toBe(true);
    expect(has('GET /api/v1/transcription/status/{call_id} success.error: only in the contract')).toBe(true);
    expect(has('GET /api/v1/transcription/status/{call_id} success.task_id: only in the contract')).toBe(
      true,
    );
    expect(
      has('GET /api/v1/meeting-segmentation/analysis/{call_id} success.job_id: only in the contract'),
    ).toBe(true);
  });

  it('has no difference that no decision accepts', () => {
    const undecided = differences.filter((d) => !accepted.some((a) => matches(a.match, d)));
    expect(undecided).toEqual([]);
  });

  it('has no accepted difference that no longer exists', () => {
    const stale = accepted.filter((a) => !differences.some((d) => matches(a.match, d)));
    expect(stale.map((a) => a.match)).toEqual([]);
  });

  it('names, for each accepted difference, a decision recorded in docs/decisions.md and who changes', () => {
    for (const a of accepted) {
      expect(decisions, a.decision).toMatch(new RegExp(`^### ${a.decision}\\. `, 'm'));
      expect(['shunya_changes', 'otto_accepts', 'contract_only'], a.match).toContain(a.resolution);
    }
  });

  it('catches a new difference: a field Shunya adds to a typed response', () => {
    const changed: Json = structuredClone(published);
    changed.components.schemas.MeetingSegmentationStatusResponse.properties.eta_seconds = { type: 'integer' };
    const fresh = compareOperations(strict, changed).filter(
      (d) => !accepted.some((a) => matches(a.match, d)),
    );
    expect(fresh).toEqual([
      "GET /api/v1/meeting-segmentation/status/{call_id} success.eta_seconds: only in Shunya's document",
    ]);
  });
});

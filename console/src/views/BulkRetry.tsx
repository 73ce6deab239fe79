// Bulk retry from the jobs list (issue 20 item 4; D260, D261): the list's filters (tenant, state, type, time)
// plus stage and error code; Preview pins the matching failed and timed-out jobs and shows how many and
// which; Retry retries exactly that set, once (a second click answers the first result).
import { useState } from 'preact/hooks';
import { executeBulkRetry, previewBulkRetry } from '../../../generated/otto/sdk.gen.ts';
import type {
  BulkRetryFilter,
  BulkRetryPreview,
  BulkRetryResult,
  JobStage,
} from '../../../generated/otto/types.gen.ts';
import { ApiError, call } from '../api.ts';
import { describeError, ErrorText, Id } from '../components.tsx';

const STAGES: JobStage[] = ['transcription', 'segmentation', 'analysis'];

export type ListFilter = Pick<BulkRetryFilter, 'company_id' | 'type' | 'created_after' | 'created_before'> & {
  status?: string;
};

/** The list's filters that a bulk retry can take (not its search box): only a failed or timeout state is. */
function fromList(list: ListFilter): BulkRetryFilter {
  const f: BulkRetryFilter = {};
  if (list.status === 'failed' || list.status === 'timeout') f.status = list.status;
  if (list.company_id) f.company_id = list.company_id;
  if (list.type) f.type = list.type;
  if (list.created_after) f.created_after = list.created_after;
  if (list.created_before) f.created_before = list.created_before;
  return f;
}

const message = (e: unknown) => (e instanceof ApiError ? describeError(e) : String(e));

function Preview({ p, onRetry, busy }: { p: BulkRetryPreview; onRetry: () => void; busy: boolean }) {
  return (
    <div class="bulk-preview" role="status">
      <p>
        <strong>{p.count}</strong> {p.count === 1 ? 'job matches' : 'jobs match'} (pinned until{' '}
        {new Date(p.expires_at).toLocaleTimeString(undefined, { hour12: false })}).
      </p>
      {p.sample.length ? (
        <ul class="bulk-sample" aria-label="First matching jobs">
          {p.sample.map((id) => (
            <li key={id}>
              <Id value={id} />
            </li>
          ))}
          {p.count > p.sample.length ? <li class="muted">and {p.count - p.sample.length} more</li> : null}
        </ul>
      ) : null}
      {p.count > 0 ? (
        <button type="button" class="primary" disabled={busy} onClick={onRetry}>
          Retry these {p.count} jobs
        </button>
      ) : null}
    </div>
  );
}

function Result({ r }: { r: BulkRetryResult }) {
  return (
    <p role="status" class="ok-text bulk-result">
      {r.repeated ? 'Already done: ' : ''}retried {r.retried.length} of {r.count}
      {r.skipped.length ? `; ${r.skipped.length} skipped (no longer failed or timed out)` : ''}.
    </p>
  );
}

export function BulkRetry({ list }: { list: ListFilter }) {
  const [stage, setStage] = useState('');
  const [errorCode, setErrorCode] = useState('');
  const [preview, setPreview] = useState<BulkRetryPreview | undefined>();
  const [result, setResult] = useState<BulkRetryResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const filter: BulkRetryFilter = {
    ...fromList(list),
    ...(stage ? { stage: stage as JobStage } : {}),
    ...(errorCode.trim() ? { error_code: errorCode.trim() } : {}),
  };
  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const doPreview = () =>
    act(async () => {
      setResult(undefined);
      setPreview(await call(previewBulkRetry({ body: { ...filter, sample: 10 } })));
    });
  const doRetry = () =>
    act(async () => {
      if (preview) setResult(await call(executeBulkRetry({ path: { bulk_retry_id: preview.id } })));
    });
  return (
    <details class="bulk-retry">
      <summary>Retry failed jobs in bulk</summary>
      <p class="muted">
        Takes the failed and timed-out jobs matching the filters above
        {fromList(list).status ? '' : ' (any state filter other than failed or timeout is ignored)'}, and:
      </p>
      <div class="filters">
        <label>
          Stage
          <select value={stage} onChange={(e) => setStage(e.currentTarget.value)}>
            <option value="">any</option>
            {STAGES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Error code
          <input
            value={errorCode}
            placeholder="e.g. INTERNAL_ERROR"
            onInput={(e) => setErrorCode(e.currentTarget.value)}
          />
        </label>
        <button type="button" disabled={busy} onClick={doPreview}>
          Preview
        </button>
      </div>
      {preview && !result ? <Preview p={preview} onRetry={doRetry} busy={busy} /> : null}
      {result ? <Result r={result} /> : null}
      <ErrorText error={error} />
    </details>
  );
}

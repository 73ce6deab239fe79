// The webhook inbox (issue 20 item 4; D270–D273): every Shunya webhook delivery, newest first, by tenant,
// job and verdict (never its body, D85), and "Recover since…": a preview of the jobs whose deliveries Otto
// refused or failed to apply and that still wait, then one click that has Otto read their results. The
// same table is a panel of a journey (that job's deliveries, D383); a tenant card links to its inbox. Both
// follow the operator event stream, like the Jobs list (D267, D451): no timer reloads them.
import { useState } from 'preact/hooks';
import {
  listCompanies,
  listWebhookDeliveries,
  recoverWebhookDeliveries,
} from '../../../generated/otto/sdk.gen.ts';
import type { WebhookInbox, WebhookRecoverResult } from '../../../generated/otto/types.gen.ts';
import { ApiError, call, usePoll } from '../api.ts';
import { describeError, Empty, ErrorText, Id, Loaded, Time } from '../components.tsx';
import { LiveIndicator, type StreamEvent, useLive } from '../live.tsx';
import { href, navigate, type Route } from '../router.ts';

const APPLIED = new Set(['processed', 'already_processed', 'acknowledged', 'deferred']);

/** datetime-local's value (the browser's time zone) as an instant; an hour ago by default. */
const localInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function Recover({ companyId }: { companyId: string | undefined }) {
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 3_600_000)));
  const [preview, setPreview] = useState<WebhookRecoverResult | undefined>();
  const [done, setDone] = useState<WebhookRecoverResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        since: new Date(since).toISOString(),
        dry_run: dryRun,
        ...(companyId ? { company_id: companyId } : {}),
      };
      const r = await call(recoverWebhookDeliveries({ body }));
      if (dryRun) {
        setPreview(r);
        setDone(undefined);
      } else setDone(r);
    } catch (e) {
      setError(e instanceof ApiError ? describeError(e) : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="bulk-retry" open>
      <summary>Recover since…</summary>
      <p class="muted">
        Jobs whose webhooks Otto refused or failed to apply{companyId ? ' for this tenant' : ''} and that
        still wait: Otto reads each result from Shunya (a poll), never submits again.
      </p>
      <div class="filters">
        <label>
          Since
          <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </label>
        <button type="button" disabled={busy || !since} onClick={() => run(true)}>
          Preview recover
        </button>
      </div>
      {preview && !done ? (
        <div class="bulk-preview" role="status">
          <p>
            <strong>{preview.count}</strong> {preview.count === 1 ? 'job waits' : 'jobs wait'} on a refused
            webhook.
          </p>
          {preview.jobs.length ? (
            <ul class="bulk-sample" aria-label="Jobs to recover">
              {preview.jobs.slice(0, 20).map((j) => (
                <li key={j.operation_id}>
                  <a href={href(`jobs/${j.job_id}`)}>
                    <Id value={j.job_id} />
                  </a>{' '}
                  ({j.kind})
                </li>
              ))}
            </ul>
          ) : null}
          {preview.count > 0 ? (
            <button type="button" class="primary" disabled={busy} onClick={() => run(false)}>
              Recover {preview.count === 1 ? 'this job' : `these ${preview.count} jobs`}
            </button>
          ) : null}
        </div>
      ) : null}
      {done ? (
        <p role="status" class="ok-text bulk-result">
          Recover scheduled: Otto reads the results of {done.count} {done.count === 1 ? 'job' : 'jobs'} from
          Shunya.
        </p>
      ) : null}
      <ErrorText error={error} />
    </details>
  );
}

export function Deliveries({ inbox }: { inbox: WebhookInbox }) {
  if (inbox.items.length === 0) return <Empty>No webhook delivery matches.</Empty>;
  return (
    <table class="inbox">
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Verdict</th>
          <th scope="col">HTTP</th>
          <th scope="col">Size</th>
          <th scope="col">Body SHA-256</th>
          <th scope="col">Profile</th>
          <th scope="col">Took</th>
          <th scope="col">Job</th>
        </tr>
      </thead>
      <tbody>
        {inbox.items.map((d) => (
          <tr key={d.id}>
            <td data-label="Received">
              <Time iso={d.received_at} />
            </td>
            <td data-label="Verdict">
              <span class={APPLIED.has(d.verdict) ? 'ok-text' : 'error-text'}>{d.verdict}</span>
            </td>
            <td data-label="HTTP">{d.http_status}</td>
            <td data-label="Size">{d.body_bytes} B</td>
            <td data-label="Body SHA-256">
              <Id value={d.body_sha256} short={12} />
            </td>
            <td data-label="Profile">{d.profile ?? '—'}</td>
            <td data-label="Took">{d.duration_ms === null ? '—' : `${d.duration_ms.toFixed(1)} ms`}</td>
            <td data-label="Job">
              {d.job_id ? (
                <a href={href(`jobs/${d.job_id}`)}>
                  <Id value={d.job_id} />
                </a>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface InboxFilter {
  jobId?: string | undefined;
  companyId?: string | undefined;
  /** the tenant of `jobId`: its events may be the job's (its call, its lead), as for a journey (D267) */
  jobCompanyId?: string | undefined;
}

/**
 * Whether an event may come with a delivery the filtered inbox shows: a delivery Otto applies writes the
 * job's events, so the inbox reloads on those (D451). A delivery that writes none (refused, a duplicate)
 * shows with the next event or reload, as a job's admission did before D381.
 */
export function concernsInbox(f: InboxFilter): (e: StreamEvent) => boolean {
  return (e) => {
    if (f.companyId && e.company_id !== f.companyId) return false;
    if (!f.jobId) return true;
    const data = e.data as { job_id?: unknown } | undefined;
    return e.aggregate_id === f.jobId || data?.job_id === f.jobId || e.company_id === f.jobCompanyId;
  };
}

/** One job's (or one tenant's) latest deliveries, with a link to all of them in the inbox (D383). */
export function DeliveriesPanel({ jobId, companyId, jobCompanyId }: InboxFilter) {
  const inbox = useLive(
    () => call(listWebhookDeliveries({ query: { limit: 20, job_id: jobId, company_id: companyId } })),
    [jobId, companyId],
    concernsInbox({ jobId, companyId, jobCompanyId }),
  );
  return (
    <div class="deliveries-panel">
      <LiveIndicator updatedAt={inbox.updatedAt} />
      <Loaded what="the webhook deliveries" data={inbox.data} error={inbox.error}>
        {(i: WebhookInbox) => <Deliveries inbox={i} />}
      </Loaded>
      <p>
        <a href={href('inbox', { job_id: jobId, company_id: companyId })}>
          {jobId ? "This job's deliveries in the webhook inbox" : "This tenant's webhook inbox"}
        </a>
      </p>
    </div>
  );
}

export function Inbox({ route }: { route: Route }) {
  const companyId = route.params.get('company_id') ?? undefined;
  const jobId = route.params.get('job_id') ?? undefined;
  const verdict = route.params.get('verdict') ?? undefined;
  const companies = usePoll(() => call(listCompanies()), 60_000, []);
  const inbox = useLive(
    () =>
      call(
        listWebhookDeliveries({
          query: { limit: 100, company_id: companyId, job_id: jobId, verdict: verdict as never },
        }),
      ),
    [companyId, jobId, verdict],
    concernsInbox({ companyId, jobId }),
  );
  return (
    <section aria-labelledby="inbox-title">
      <div class="view-head">
        <h1 id="inbox-title">Webhook inbox</h1>
        <LiveIndicator updatedAt={inbox.updatedAt} />
      </div>
      <div class="filters">
        {jobId ? (
          <p>
            Job <Id value={jobId} /> <a href={href(`jobs/${jobId}`)}>journey</a> ·{' '}
            <a href={href('inbox', { company_id: companyId, verdict })}>every job</a>
          </p>
        ) : null}
        <label>
          Tenant
          <select
            value={companyId ?? ''}
            onChange={(e) => navigate('inbox', { company_id: e.currentTarget.value, verdict })}
          >
            <option value="">all tenants</option>
            {(companies.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Recover companyId={companyId} />
      <Loaded what="the webhook inbox" data={inbox.data} error={inbox.error}>
        {(i: WebhookInbox) => <Deliveries inbox={i} />}
      </Loaded>
    </section>
  );
}

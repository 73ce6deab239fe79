// One call's journey: every step of a job, in order, with Shunya's request ids and Idempotency-Keys, polls,
// webhooks (verdict, signature profile), errors raw and mapped (§5.2), rows written, events emitted, and
// what the frontend reads now. A failed or timed-out job can be retried from here.
import { useRef, useState } from 'preact/hooks';
import { getJobJourney, retryJob } from '../../../generated/otto/sdk.gen.ts';
import type { JobError, JobJourney, JourneyEntry, MappedError } from '../../../generated/otto/types.gen.ts';
import { ApiError, call } from '../api.ts';
import { ago, Badge, describeError, Id, Loaded, Time } from '../components.tsx';
import { LiveIndicator, useLive } from '../live.tsx';
import { href } from '../router.ts';
import { DeliveriesPanel } from './Inbox.tsx';

const KIND_LABEL: Record<JourneyEntry['kind'], string> = {
  trigger: 'trigger',
  job_created: 'job',
  admission: 'admission',
  attempt_finished: 'attempt',
  operation_created: 'Shunya',
  operation_submitted: 'Shunya',
  polls: 'polls',
  poll_answer: 'poll',
  webhook: 'webhook',
  operation_completed: 'Shunya',
  operation_failed: 'Shunya',
  domain_row: 'row',
  event: 'event',
  operator_action: 'operator',
  job_finished: 'job',
};

function Errors({
  raw,
  mapped,
}: {
  raw: JobError | null | undefined;
  mapped: MappedError | null | undefined;
}) {
  if (!raw) return null;
  return (
    <div class="errors">
      <div>
        <span class="label">Shunya said</span> <code>{raw.error_code}</code> ({raw.error_type}
        {raw.http_status ? `, HTTP ${raw.http_status}` : ''}): {raw.message}
        {raw.shunya_request_id ? (
          <>
            {' '}
            · Shunya request <Id value={raw.shunya_request_id} />
          </>
        ) : null}
      </div>
      {mapped ? (
        <div>
          <span class="label">Otto reports</span> <code>{mapped.error_code}</code> ({mapped.error_type}):{' '}
          {mapped.message} · {mapped.retryable ? 'retryable' : 'not retryable'}
        </div>
      ) : null}
    </div>
  );
}

function Step({ e }: { e: JourneyEntry }) {
  return (
    <li class={`step step-${e.kind}`}>
      <Time iso={e.at} />
      <span class={`kind kind-${e.kind}`}>{KIND_LABEL[e.kind]}</span>
      <div class="step-body">
        <span class="title">{e.title}</span>
        {e.verdict ? <Badge state={e.verdict} /> : null}
        {e.answer ? <Badge state={e.answer} /> : null}
        {e.error_code ? (
          <span>
            {' '}
            <code>{e.error_code}</code>
          </span>
        ) : null}
        {e.detail ? <span class="muted"> · {e.detail}</span> : null}
        {e.request_id || e.idempotency_key || e.shunya_job_id ? (
          <div class="refs">
            {e.request_id ? (
              <span>
                X-Request-ID <Id value={e.request_id} short={36} />
              </span>
            ) : null}
            {e.idempotency_key ? (
              <span>
                Idempotency-Key <Id value={e.idempotency_key} short={36} />
              </span>
            ) : null}
            {e.shunya_job_id ? (
              <span>
                Shunya job <Id value={e.shunya_job_id} short={40} />
              </span>
            ) : null}
            {e.http_status ? <span>HTTP {e.http_status}</span> : null}
            {e.shunya_request_id ? (
              <span>
                Shunya request <Id value={e.shunya_request_id} short={36} />
              </span>
            ) : null}
          </div>
        ) : null}
        <Errors raw={e.error} mapped={e.mapped_error} />
      </div>
    </li>
  );
}

function Retry({ j, onDone }: { j: JobJourney['job']; onDone: () => void }) {
  const [msg, setMsg] = useState<string | undefined>();
  if (j.job_status !== 'failed' && j.job_status !== 'timeout') return null;
  const retry = async () => {
    try {
      const r = await call(retryJob({ path: { job_id: j.id } }));
      setMsg(`Retried: the job is ${r.job_status} again, from stage ${r.stage}.`);
      onDone();
    } catch (e) {
      setMsg(e instanceof ApiError ? describeError(e) : String(e));
    }
  };
  return (
    <div class="retry">
      <button type="button" class="primary" onClick={retry}>
        Retry this job
      </button>
      {msg ? <p role="status">{msg}</p> : null}
    </div>
  );
}

function Summary({ j, trigger }: { j: JobJourney['job']; trigger: JobJourney['trigger'] }) {
  return (
    <dl class="facts summary">
      <dt>State</dt>
      <dd>
        <Badge state={j.job_status} /> stage {j.stage}, attempt {j.attempts}/{j.max_attempts}
        {j.expected_start_at ? (
          <span class="expected-start">
            , expected to start {ago(j.expected_start_at)} (<Time iso={j.expected_start_at} />)
          </span>
        ) : null}
      </dd>
      <dt>Type</dt>
      <dd>{j.job_type === 'csr_call' ? 'CSR call' : 'sales visit'}</dd>
      {j.trace_id ? (
        <>
          <dt>Trace</dt>
          <dd class="trace-id">
            <Id value={j.trace_id} short={32} />
          </dd>
        </>
      ) : null}
      <dt>Tenant</dt>
      <dd>
        <a href={href('jobs', { company: j.company_id })}>
          <Id value={j.company_id} />
        </a>
      </dd>
      <dt>{j.call_id ? 'Call' : 'Recording session'}</dt>
      <dd>
        <Id value={j.call_id ?? j.recording_session_id} short={36} />
      </dd>
      {trigger.callrail_call_id ? (
        <>
          <dt>CallRail call</dt>
          <dd>
            <code>{trigger.callrail_call_id}</code>
          </dd>
        </>
      ) : null}
      <dt>Created</dt>
      <dd>
        <Time iso={j.created_at} />
      </dd>
      <dt>Finished</dt>
      <dd>
        <Time iso={j.completed_at} />
      </dd>
    </dl>
  );
}

function Details({ jr }: { jr: JobJourney }) {
  return (
    <>
      <h2>Shunya operations</h2>
      <table class="ops">
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col">Status</th>
            <th scope="col">Shunya job</th>
            <th scope="col">X-Request-ID</th>
            <th scope="col">Idempotency-Key</th>
            <th scope="col">Polls</th>
          </tr>
        </thead>
        <tbody>
          {jr.operations.map((o) => (
            <tr key={o.id}>
              <td data-label="Operation">{o.kind}</td>
              <td data-label="Status">
                <Badge state={o.status} />
              </td>
              <td data-label="Shunya job">
                <Id value={o.shunya_job_id} short={24} />
              </td>
              <td data-label="X-Request-ID">
                <Id value={o.request_id} short={36} />
              </td>
              <td data-label="Idempotency-Key">
                <Id value={o.idempotency_key} short={36} />
              </td>
              <td data-label="Polls">{o.poll_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Rows written</h2>
      <ul class="plain">
        {jr.domain_rows.length === 0 ? <li class="muted">none yet</li> : null}
        {jr.domain_rows.map((r) => (
          <li key={`${r.table}-${r.id}`}>
            <code>{r.table}</code> <Id value={r.id} />{' '}
            {r.summary ? <span class="muted">{r.summary}</span> : null}
          </li>
        ))}
      </ul>
      <h2>Events emitted</h2>
      <ul class="plain">
        {jr.events.length === 0 ? <li class="muted">none yet</li> : null}
        {jr.events.map((e) => (
          <li key={e.id}>
            <code>{e.type}</code> on {e.aggregate_type} <Id value={e.aggregate_id} />{' '}
            <span class="muted">{e.position ? `position ${e.position}` : 'not yet published'}</span>
          </li>
        ))}
      </ul>
      <h2 id="journey-deliveries">Webhook deliveries</h2>
      <DeliveriesPanel jobId={jr.job.id} jobCompanyId={jr.job.company_id} />
      <h2>What the frontend reads now</h2>
      <details class="frontend-read" open>
        <summary>
          <code>GET {jr.frontend_read.path}</code> → status <Badge state={jr.frontend_read.body.status} />
        </summary>
        <pre>{JSON.stringify(jr.frontend_read.body, null, 2)}</pre>
      </details>
    </>
  );
}

export function Journey({ id }: { id: string }) {
  // any event of the job's tenant may be one of its steps (its lead, its appointment): reload on those
  const companyOf = useRef<string | undefined>(undefined);
  const journey = useLive(
    () => call(getJobJourney({ path: { job_id: id } })),
    [id],
    (e) => e.aggregate_id === id || e.company_id === companyOf.current,
  );
  companyOf.current = journey.data?.job.company_id;
  return (
    <section aria-labelledby="journey-title">
      <div class="view-head">
        <h1 id="journey-title">
          Journey of job <Id value={id} short={36} />
        </h1>
        <LiveIndicator updatedAt={journey.updatedAt} />
        <a href={href('jobs')}>All jobs</a>
      </div>
      <Loaded what="the journey" data={journey.data} error={journey.error}>
        {(jr: JobJourney) => (
          <>
            <Summary j={jr.job} trigger={jr.trigger} />
            <Retry j={jr.job} onDone={journey.refresh} />
            <h2>Timeline</h2>
            <ol class="timeline">
              {jr.timeline.map((e, i) => (
                <Step key={`${e.at}-${i}`} e={e} />
              ))}
            </ol>
            <Details jr={jr} />
          </>
        )}
      </Loaded>
    </section>
  );
}

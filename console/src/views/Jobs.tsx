// Jobs: a live list (reloaded on the operator event stream's events, D267) with filters by tenant, state, type and time, and one search box for any
// id an operator holds (call id, CallRail id, Shunya job id, request id). Filters live in the URL.
import { useState } from 'preact/hooks';
import { listCompanies, listJobs } from '../../../generated/otto/sdk.gen.ts';
import type { JobList, JobStatus, JobSummary, JobType } from '../../../generated/otto/types.gen.ts';
import { call, usePoll } from '../api.ts';
import { ago, Badge, Empty, Id, Loaded, Time } from '../components.tsx';
import { LiveIndicator, useLive } from '../live.tsx';
import { href, navigate, type Route } from '../router.ts';
import { BulkRetry } from './BulkRetry.tsx';

const STATES: JobStatus[] = ['pending', 'running', 'succeeded', 'failed', 'timeout'];
const TYPES: JobType[] = ['csr_call', 'sales_visit'];

/** datetime-local (the operator's time zone) ↔ ISO instant */
const toIso = (local: string | null) => (local ? new Date(local).toISOString() : undefined);

function Filters({
  params,
  companies,
}: {
  params: URLSearchParams;
  companies: { id: string; name: string }[];
}) {
  const [search, setSearch] = useState(params.get('q') ?? '');
  const set = (key: string, value: string) => {
    const next = Object.fromEntries(params.entries());
    next[key] = value;
    if (!value) delete next[key];
    delete next.before;
    navigate('jobs', next);
  };
  return (
    <form
      class="filters"
      aria-label="Filter jobs"
      onSubmit={(e) => {
        e.preventDefault();
        set('q', search.trim());
      }}
    >
      <label>
        Search
        <input
          type="search"
          placeholder="call id, CallRail id, Shunya job id, request id"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </label>
      <label>
        Tenant
        <select value={params.get('company') ?? ''} onChange={(e) => set('company', e.currentTarget.value)}>
          <option value="">all</option>
          {companies.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        State
        <select value={params.get('status') ?? ''} onChange={(e) => set('status', e.currentTarget.value)}>
          <option value="">all</option>
          {STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Type
        <select value={params.get('type') ?? ''} onChange={(e) => set('type', e.currentTarget.value)}>
          <option value="">all</option>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Created after
        <input
          type="datetime-local"
          value={params.get('after') ?? ''}
          onChange={(e) => set('after', e.currentTarget.value)}
        />
      </label>
      <label>
        Created before
        <input
          type="datetime-local"
          value={params.get('until') ?? ''}
          onChange={(e) => set('until', e.currentTarget.value)}
        />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

function JobRowView({ j, tenant }: { j: JobSummary; tenant: string }) {
  const open = () => navigate(`jobs/${j.id}`);
  return (
    <tr class="clickable" onClick={open}>
      <td data-label="Job">
        <a href={href(`jobs/${j.id}`)} onClick={(e) => e.stopPropagation()}>
          <Id value={j.id} />
        </a>
      </td>
      <td data-label="Tenant">{tenant}</td>
      <td data-label="Type">{j.job_type === 'csr_call' ? 'CSR call' : 'sales visit'}</td>
      <td data-label="State">
        <Badge state={j.job_status} />
      </td>
      <td data-label="Stage">{j.stage}</td>
      <td data-label="Attempts">
        {j.attempts}/{j.max_attempts}
      </td>
      <td data-label="Expected start">{j.expected_start_at ? ago(j.expected_start_at) : '—'}</td>
      <td data-label="Last error">{j.last_error ? <code>{j.last_error.error_code}</code> : '—'}</td>
      <td data-label="Created">
        <Time iso={j.created_at} />
      </td>
    </tr>
  );
}

export function Jobs({ route }: { route: Route }) {
  const p = route.params;
  const companies = usePoll(() => call(listCompanies()), 30_000, []);
  const query = {
    company_id: p.get('company') ?? undefined,
    status: (p.get('status') as JobStatus | null) ?? undefined,
    type: (p.get('type') as JobType | null) ?? undefined,
    search: p.get('q') ?? undefined,
    created_after: toIso(p.get('after')),
    created_before: toIso(p.get('until')),
    before: p.get('before') ?? undefined,
    limit: 50,
  };
  const jobs = useLive(
    () => call(listJobs({ query })),
    [p.toString()],
    (e) => !query.company_id || e.company_id === query.company_id,
  );
  const names = new Map((companies.data?.items ?? []).map((c) => [c.id, c.name]));
  return (
    <section aria-labelledby="jobs-title">
      <div class="view-head">
        <h1 id="jobs-title">Jobs</h1>
        <LiveIndicator updatedAt={jobs.updatedAt} />
      </div>
      <Filters params={p} companies={companies.data?.items ?? []} />
      <BulkRetry key={p.toString()} list={query} />
      <Loaded what="jobs" data={jobs.data} error={jobs.error}>
        {(list: JobList) =>
          list.items.length === 0 ? (
            <Empty>No job matches.</Empty>
          ) : (
            <>
              <table class="jobs">
                <thead>
                  <tr>
                    <th scope="col">Job</th>
                    <th scope="col">Tenant</th>
                    <th scope="col">Type</th>
                    <th scope="col">State</th>
                    <th scope="col">Stage</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Expected start</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((j) => (
                    <JobRowView
                      key={j.id}
                      j={j}
                      tenant={names.get(j.company_id) ?? j.company_id.slice(0, 8)}
                    />
                  ))}
                </tbody>
              </table>
              <nav class="pager" aria-label="Pages">
                {p.get('before') ? (
                  <a href={href('jobs', { ...Object.fromEntries(p.entries()), before: undefined })}>Newest</a>
                ) : null}
                {list.next_cursor ? (
                  <a href={href('jobs', { ...Object.fromEntries(p.entries()), before: list.next_cursor })}>
                    Older
                  </a>
                ) : null}
              </nav>
            </>
          )
        }
      </Loaded>
    </section>
  );
}

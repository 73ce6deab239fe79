// Tenants: jobs by state, backlog, running slots, quota use, breakers and CallRail settings (never the
// signing key after creation); create a tenant; send test traffic when the simulator runs beside Otto.
import { useState } from 'preact/hooks';
import {
  createCompany,
  getOpsOverview,
  getSimulatorLink,
  sendTestTraffic,
} from '../../../generated/otto/sdk.gen.ts';
import type {
  CompanyCreated,
  OpsOverview,
  SimulatorLink,
  TenantOverview,
  TestTrafficAccepted,
} from '../../../generated/otto/types.gen.ts';
import { ApiError, call, usePoll } from '../api.ts';
import { ago, Badge, describeError, Empty, ErrorText, Id, Loaded, Time } from '../components.tsx';
import { href } from '../router.ts';
import { TenantEdit } from './TenantEdit.tsx';

const STATES = ['pending', 'running', 'succeeded', 'failed', 'timeout'] as const;

function Slots({ used, limit }: { used: number; limit: number }) {
  return (
    <div class="slots">
      <meter min={0} max={limit} value={used} aria-label="Running slots" />
      <span>
        {used} / {limit} running
      </span>
    </div>
  );
}

export function TestTrafficButtons({
  companyId,
  link,
}: {
  companyId: string;
  link: SimulatorLink | undefined;
}) {
  const [sent, setSent] = useState<TestTrafficAccepted | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (!link?.configured) return null;
  const send = async (kind: 'csr_call' | 'sales_visit') => {
    setBusy(true);
    setError(undefined);
    try {
      setSent(await call(sendTestTraffic({ path: { company_id: companyId }, body: { kind } })));
    } catch (e) {
      setError(e instanceof ApiError ? describeError(e) : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="test-traffic">
      <button type="button" disabled={busy} onClick={() => send('csr_call')}>
        Send a test call
      </button>
      <button type="button" disabled={busy} onClick={() => send('sales_visit')}>
        Send a test visit
      </button>
      {sent ? (
        <p role="status">
          {sent.kind === 'csr_call' ? 'Test call' : 'Test visit'} queued:{' '}
          <a href={href(`jobs/${sent.job_id}`)}>follow job {sent.job_id.slice(0, 8)}</a>
        </p>
      ) : null}
      <ErrorText error={error} />
    </div>
  );
}

function TenantCard({ t, link }: { t: TenantOverview; link: SimulatorLink | undefined }) {
  const open = t.breakers.filter((b) => b.state !== 'closed');
  return (
    <article class="card tenant" aria-labelledby={`tenant-${t.company.id}`}>
      <header class="card-head">
        <h2 id={`tenant-${t.company.id}`}>{t.company.name}</h2>
        {open.length > 0 ? <Badge state="breaker_open" /> : null}
        {t.company.disabled_at ? <Badge state="disabled" /> : null}
      </header>
      <dl class="facts">
        <dt>Company id</dt>
        <dd>
          <Id value={t.company.id} />
        </dd>
        <dt>CallRail company</dt>
        <dd>{t.company.callrail_company_id ?? <span class="muted">none</span>}</dd>
        <dt>Signature</dt>
        <dd>
          {t.company.callrail_signature_algorithm}{' '}
          <span class="muted">(signing key shown only at creation)</span>
        </dd>
      </dl>
      <ul class="counts" aria-label="Jobs by state">
        {STATES.map((s) => (
          <li key={s}>
            <a class="count" href={href('jobs', { company: t.company.id, status: s })}>
              <Badge state={s} /> <strong>{t.jobs[s]}</strong>
            </a>
          </li>
        ))}
      </ul>
      <Slots used={t.running_slots.used} limit={t.running_slots.limit} />
      <p class="backlog">
        Backlog: <strong>{t.backlog.pending}</strong> pending
        {t.backlog.waiting_for_retry ? `, ${t.backlog.waiting_for_retry} waiting for a retry` : ''}
        {t.backlog.oldest_pending_at ? `, oldest ${ago(t.backlog.oldest_pending_at)}` : ''}
      </p>
      <p class="quota">
        Quota: <strong>{t.quota.jobs_last_hour}</strong>
        {t.quota.limit_per_hour === null
          ? ' jobs started in the last hour (hourly quota off)'
          : ` of ${t.quota.limit_per_hour} jobs started in the last hour`}
      </p>
      {t.breakers.length > 0 ? (
        <table class="breakers">
          <caption>Circuit breakers</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">Failures</th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            {t.breakers.map((b) => (
              <tr key={b.endpoint}>
                <td data-label="Endpoint">
                  <code>{b.endpoint}</code>
                </td>
                <td data-label="State">
                  <Badge state={`breaker_${b.state}`} />
                </td>
                <td data-label="Failures">{b.consecutive_failures}</td>
                <td data-label="Opened">
                  <Time iso={b.opened_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No circuit breaker has seen traffic for this tenant in this process.</p>
      )}
      <p class="tenant-inbox">
        <a href={href('inbox', { company_id: t.company.id })}>Webhook inbox</a>{' '}
        <span class="muted">this tenant's deliveries, with Recover since…</span>
      </p>
      <TestTrafficButtons companyId={t.company.id} link={link} />
      <TenantEdit company={t.company} />
    </article>
  );
}

function CreateTenant({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [callrail, setCallrail] = useState('');
  const [algorithm, setAlgorithm] = useState<'hmac-sha1' | 'hmac-sha256'>('hmac-sha1');
  const [created, setCreated] = useState<CompanyCreated | undefined>();
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const c = await call(
        createCompany({
          body: { name, callrail_company_id: callrail || null, callrail_signature_algorithm: algorithm },
        }),
      );
      setCreated(c);
      setName('');
      setCallrail('');
      onCreated();
    } catch (err) {
      setError(err instanceof ApiError ? describeError(err) : String(err));
    }
  };
  return (
    <details class="card create">
      <summary>Create a tenant</summary>
      <form onSubmit={submit}>
        <label>
          Name
          <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          CallRail company id
          <input maxLength={64} value={callrail} onInput={(e) => setCallrail(e.currentTarget.value)} />
        </label>
        <label>
          Signature algorithm
          <select
            value={algorithm}
            onChange={(e) => setAlgorithm(e.currentTarget.value as 'hmac-sha1' | 'hmac-sha256')}
          >
            <option value="hmac-sha1">hmac-sha1 (CallRail's)</option>
            <option value="hmac-sha256">hmac-sha256</option>
          </select>
        </label>
        <button type="submit">Create tenant</button>
      </form>
      <ErrorText error={error} />
      {created ? (
        <div class="once" role="status">
          <p>
            <strong>{created.name}</strong> created. Its CallRail signing key is shown this once; give it to
            CallRail now:
          </p>
          <code class="secret">{created.callrail_signing_key}</code>
        </div>
      ) : null}
    </details>
  );
}

export function Tenants() {
  const overview = usePoll(() => call(getOpsOverview()), 3000, []);
  const link = usePoll(() => call(getSimulatorLink()), 10_000, []);
  return (
    <section aria-labelledby="tenants-title">
      <div class="view-head">
        <h1 id="tenants-title">Tenants</h1>
        {overview.data ? (
          <p class="muted">
            Queue depth {overview.data.queue_depth} · {overview.data.workers_alive} worker
            {overview.data.workers_alive === 1 ? '' : 's'} alive · limit {overview.data.tenant_max_concurrent}{' '}
            running per tenant
          </p>
        ) : null}
      </div>
      <CreateTenant onCreated={overview.refresh} />
      <Loaded what="tenants" data={overview.data} error={overview.error}>
        {(o: OpsOverview) =>
          o.tenants.length === 0 ? (
            <Empty>No tenant yet. Create one above, or run npm start (it seeds a demo tenant).</Empty>
          ) : (
            <div class="grid">
              {o.tenants.map((t) => (
                <TenantCard key={t.company.id} t={t} link={link.data} />
              ))}
            </div>
          )
        }
      </Loaded>
    </section>
  );
}

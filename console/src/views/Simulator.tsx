// The simulator panel (when Otto runs beside the simulator, as under npm start): preset, fault rules,
// latency, time scale, webhook profile and payload shape through the simulator's control API (forwarded by
// Otto under /console/sim/__sim, D121, every change audited), and test traffic that does what
// `npm run demo` does, so a developer watches a call go through with the faults they chose.
import { useState } from 'preact/hooks';
import { getSimulatorLink, listCompanies } from '../../../generated/otto/sdk.gen.ts';
import type { SimulatorLink } from '../../../generated/otto/types.gen.ts';
import type { components } from '../../../generated/sim-admin/schema.d.ts';
import { ApiError, call, sim, usePoll } from '../api.ts';
import { describeError, Loaded } from '../components.tsx';
import { TestTrafficButtons } from './Tenants.tsx';

type S = components['schemas'];
const PRESETS: S['PresetName'][] = ['happy', 'slow', 'flaky', 'outage', 'chaos'];
const FAULT_KINDS: S['FaultKind'][] = [
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
const OPERATIONS: S['Operation'][] = [
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
const LATENCY_KINDS = ['transcription', 'analysis', 'segmentation', 'webhook'] as const;

/** Runs one control-API change and reports it; the panel reloads after each. */
function useAction(reload: () => void) {
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

const latencyText = (m: S['LatencyModel']) => {
  const x = m as Record<string, unknown>;
  if (x.model === 'fixed') return `${x.seconds} s`;
  if (x.model === 'uniform') return `${x.min_s}–${x.max_s} s`;
  return Object.entries(x)
    .filter(([k]) => k !== 'model')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
    .concat(` (${x.model})`);
};

function Presets({ current, run }: { current: string[]; run: ReturnType<typeof useAction>['run'] }) {
  const [outageS, setOutageS] = useState(86_400);
  return (
    <fieldset>
      <legend>Preset</legend>
      <p class="muted">Applied: {current.length ? current.join(', ') : 'none (SLA latencies, no faults)'}</p>
      <div class="buttons">
        {PRESETS.map((name) => (
          <button
            key={name}
            type="button"
            aria-pressed={current[current.length - 1] === name}
            onClick={() =>
              run(`Preset ${name}`, () =>
                call(
                  sim.POST('/__sim/preset', {
                    body: name === 'outage' ? { name, options: { seconds: outageS } } : { name },
                  }),
                ),
              )
            }
          >
            {name}
          </button>
        ))}
      </div>
      <label>
        Outage lasts (virtual seconds)
        <input
          type="number"
          min={0}
          value={outageS}
          onInput={(e) => setOutageS(Number(e.currentTarget.value))}
        />
      </label>
    </fieldset>
  );
}

function Settings({ cfg, run }: { cfg: S['SettingsView']; run: ReturnType<typeof useAction>['run'] }) {
  const put = (what: string, body: S['SettingsPatch']) =>
    run(what, () => call(sim.PUT('/__sim/config', { body })));
  const [scale, setScale] = useState(String(cfg.time_scale));
  return (
    <fieldset>
      <legend>Settings</legend>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          put('Time scale', { time_scale: Number(scale) });
        }}
      >
        <label>
          Time scale (virtual s per real s)
          <input
            type="number"
            min={0}
            step="any"
            value={scale}
            onInput={(e) => setScale(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Set</button>
      </form>
      <label>
        Webhook profile
        <select
          value={cfg.webhook_profile}
          onChange={(e) =>
            put('Webhook profile', { webhook_profile: e.currentTarget.value as S['WebhookProfile'] })
          }
        >
          <option value="handoff">handoff (§8)</option>
          <option value="shunya">shunya (Shunya's event profile)</option>
        </select>
      </label>
      <label>
        Payload shape
        <select
          value={cfg.payload_shape}
          onChange={(e) =>
            put('Payload shape', { payload_shape: e.currentTarget.value as S['PayloadShape'] })
          }
        >
          <option value="handoff">handoff (§4.3)</option>
          <option value="shunya">shunya (nested)</option>
        </select>
      </label>
      <table class="latency">
        <caption>Latency (virtual seconds of processing)</caption>
        <tbody>
          {LATENCY_KINDS.map((k) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{latencyText(cfg.latency[k])}</td>
              <td>
                <form
                  class="inline"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const v = Number(new FormData(e.currentTarget).get('s'));
                    put(`Latency of ${k}`, { latency: { [k]: { model: 'fixed', seconds: v } } });
                  }}
                >
                  <label class="sr-only" for={`lat-${k}`}>
                    Fixed latency of {k} in seconds
                  </label>
                  <input
                    id={`lat-${k}`}
                    name="s"
                    type="number"
                    min={0}
                    step="any"
                    placeholder="fixed s"
                    required
                  />
                  <button type="submit">Set</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}

function Faults({ faults, run }: { faults: S['FaultList']; run: ReturnType<typeof useAction>['run'] }) {
  const [kind, setKind] = useState<S['FaultKind']>('error');
  const [op, setOp] = useState<S['Operation']>('http');
  const [probability, setProbability] = useState('1');
  const [count, setCount] = useState('');
  const [status, setStatus] = useState('503');
  const add = (e: Event) => {
    e.preventDefault();
    const rule: S['FaultRuleInput'] = {
      kind,
      operations: [op],
      probability: Number(probability),
      ...(count ? { count: Number(count) } : {}),
      ...(kind === 'error' ? { params: { status: Number(status) as 500 | 503, retryable: true } } : {}),
      label: 'console',
    };
    void run(`Fault ${kind}`, () => call(sim.POST('/__sim/faults', { body: rule })));
  };
  return (
    <fieldset>
      <legend>Fault rules</legend>
      {faults.rules.length === 0 ? (
        <p class="muted">No fault rule.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Operations</th>
              <th scope="col">Probability</th>
              <th scope="col">Left</th>
              <th scope="col">Hits</th>
              <th scope="col">Label</th>
              <th scope="col">
                <span class="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {faults.rules.map((r) => (
              <tr key={r.id}>
                <td data-label="Kind">{r.kind}</td>
                <td data-label="Operations">{(r.operations ?? ['any']).join(', ')}</td>
                <td data-label="Probability">{r.probability ?? 1}</td>
                <td data-label="Left">{r.remaining ?? '∞'}</td>
                <td data-label="Hits">{r.hits}</td>
                <td data-label="Label">{r.label ?? ''}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      run(`Remove fault ${r.id}`, () =>
                        call(sim.DELETE('/__sim/faults/{id}', { params: { path: { id: r.id } } })),
                      )
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="buttons">
        <button type="button" onClick={() => run('Clear faults', () => call(sim.DELETE('/__sim/faults')))}>
          Clear all faults
        </button>
      </div>
      <form class="inline wrap" onSubmit={add}>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as S['FaultKind'])}>
            {FAULT_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Operation
          <select value={op} onChange={(e) => setOp(e.currentTarget.value as S['Operation'])}>
            {OPERATIONS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          Probability
          <input
            type="number"
            min={0}
            max={1}
            step="any"
            value={probability}
            onInput={(e) => setProbability(e.currentTarget.value)}
          />
        </label>
        <label>
          Count (empty: no limit)
          <input type="number" min={1} value={count} onInput={(e) => setCount(e.currentTarget.value)} />
        </label>
        {kind === 'error' ? (
          <label>
            HTTP status
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option>503</option>
              <option>500</option>
            </select>
          </label>
        ) : null}
        <button type="submit">Add fault rule</button>
      </form>
    </fieldset>
  );
}

function Panel({ link }: { link: SimulatorLink }) {
  const cfg = usePoll(() => call(sim.GET('/__sim/config')), 5000, []);
  const faults = usePoll(() => call(sim.GET('/__sim/faults')), 3000, []);
  const stats = usePoll(() => call(sim.GET('/__sim/stats')), 3000, []);
  const companies = usePoll(() => call(listCompanies()), 30_000, []);
  const [tenant, setTenant] = useState('');
  const { msg, run } = useAction(() => {
    cfg.refresh();
    faults.refresh();
  });
  const chosen = tenant || companies.data?.items[0]?.id || '';
  return (
    <>
      <p class="muted">
        Simulator at <code>{link.url}</code>
        {stats.data
          ? ` · virtual time ${new Date(stats.data.virtual_time).toLocaleString(undefined, { hour12: false })} · ×${stats.data.time_scale}`
          : ''}
      </p>
      {msg ? (
        <p role={msg.ok ? 'status' : 'alert'} class={msg.ok ? 'ok-text' : 'error-text'}>
          {msg.text}
        </p>
      ) : null}
      <fieldset>
        <legend>Test traffic</legend>
        <label>
          Tenant
          <select value={chosen} onChange={(e) => setTenant(e.currentTarget.value)}>
            {(companies.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {chosen ? <TestTrafficButtons companyId={chosen} link={link} /> : <p class="muted">No tenant yet.</p>}
      </fieldset>
      <Loaded what="the simulator's settings" data={cfg.data} error={cfg.error}>
        {(c: S['SettingsView']) => (
          <>
            <Presets current={c.presets} run={run} />
            <Settings key={c.time_scale} cfg={c} run={run} />
          </>
        )}
      </Loaded>
      <Loaded what="fault rules" data={faults.data} error={faults.error}>
        {(f: S['FaultList']) => <Faults faults={f} run={run} />}
      </Loaded>
    </>
  );
}

export function Simulator() {
  const link = usePoll(() => call(getSimulatorLink()), 5000, []);
  return (
    <section aria-labelledby="sim-title">
      <div class="view-head">
        <h1 id="sim-title">Simulator</h1>
      </div>
      <Loaded what="the simulator link" data={link.data} error={link.error}>
        {(l: SimulatorLink) =>
          !l.configured ? (
            <div class="notice" role="status">
              <strong>No simulator beside this Otto.</strong> Otto calls Shunya at its configured address and
              has no simulator to steer (SIMULATOR_URL is unset). <code>npm start</code> runs one beside Otto.
            </div>
          ) : !l.reachable ? (
            <div class="error-box" role="alert">
              <strong>The simulator does not answer</strong> at <code>{l.url}</code>. Start it (
              <code>npm run start:simulator</code>) or restart <code>npm start</code>; the panel retries by
              itself.
            </div>
          ) : (
            <Panel link={l} />
          )
        }
      </Loaded>
    </section>
  );
}

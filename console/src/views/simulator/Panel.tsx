// The panel of a simulator that answers: test traffic, presets, settings and fault rules, reloaded after
// each change.
import { useState } from 'preact/hooks';
import { listCompanies } from '../../../../generated/otto/sdk.gen.ts';
import type { SimulatorLink } from '../../../../generated/otto/types.gen.ts';
import { call, sim, usePoll } from '../../api.ts';
import { Loaded } from '../../components.tsx';
import { TestTrafficButtons } from '../Tenants.tsx';
import { Faults } from './Faults.tsx';
import { Presets } from './Presets.tsx';
import { Settings } from './Settings.tsx';
import { type S, useAction } from './shared.ts';

export function Panel({ link }: { link: SimulatorLink }) {
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

// The simulator panel (when Otto runs beside the simulator, as under npm start): preset, fault rules,
// latency, time scale, webhook profile and payload shape through the simulator's control API (forwarded by
// Otto under /console/sim/__sim, D121, every change audited), and test traffic that does what
// `npm run demo` does, so a developer watches a call go through with the faults they chose.
import { getSimulatorLink } from '../../../generated/otto/sdk.gen.ts';
import type { SimulatorLink } from '../../../generated/otto/types.gen.ts';
import { call, usePoll } from '../api.ts';
import { Loaded } from '../components.tsx';
import { Panel } from './simulator/Panel.tsx';

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

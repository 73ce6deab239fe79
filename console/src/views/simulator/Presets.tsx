// The simulator's presets, and how long an outage lasts.
import { useState } from 'preact/hooks';
import { call, sim } from '../../api.ts';
import { PRESETS, type Run } from './shared.ts';

export function Presets({ current, run }: { current: string[]; run: Run }) {
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

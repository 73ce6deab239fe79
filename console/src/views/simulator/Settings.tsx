// The simulator's settings: time scale, webhook profile, payload shape and each kind's latency.
import { useState } from 'preact/hooks';
import { call, sim } from '../../api.ts';
import { LATENCY_KINDS, latencyText, type Run, type S } from './shared.ts';

type Put = (what: string, body: S['SettingsPatch']) => Promise<void>;

/** Each kind's latency model, and a fixed latency to set. */
function LatencyTable({ cfg, put }: { cfg: S['SettingsView']; put: Put }) {
  return (
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
  );
}

export function Settings({ cfg, run }: { cfg: S['SettingsView']; run: Run }) {
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
      <LatencyTable cfg={cfg} put={put} />
    </fieldset>
  );
}

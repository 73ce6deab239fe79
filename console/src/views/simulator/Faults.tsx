// The simulator's fault rules: the list (each removable), clear all, and a form to add one.
import { useState } from 'preact/hooks';
import { call, sim } from '../../api.ts';
import { FAULT_KINDS, OPERATIONS, type Run, type S } from './shared.ts';

/** The rules in force, each with its hits and a Remove button. */
function FaultTable({ faults, run }: { faults: S['FaultList']; run: Run }) {
  return faults.rules.length === 0 ? (
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
  );
}

/** A new rule: kind, operation, probability, count and, for an error, its status. */
function FaultForm({ run }: { run: Run }) {
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
  );
}

export function Faults({ faults, run }: { faults: S['FaultList']; run: Run }) {
  return (
    <fieldset>
      <legend>Fault rules</legend>
      <FaultTable faults={faults} run={run} />
      <div class="buttons">
        <button type="button" onClick={() => run('Clear faults', () => call(sim.DELETE('/__sim/faults')))}>
          Clear all faults
        </button>
      </div>
      <FaultForm run={run} />
    </fieldset>
  );
}

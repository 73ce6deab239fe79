// The audit log (who did what, when) and the named operator tokens (create: shown once; revoke).
import { useState } from 'preact/hooks';
import {
  createOperatorToken,
  listAuditLog,
  listOperatorTokens,
  revokeOperatorToken,
} from '../../../generated/otto/sdk.gen.ts';
import type { AuditLog, OperatorToken, OperatorTokenCreated } from '../../../generated/otto/types.gen.ts';
import { ApiError, call, usePoll } from '../api.ts';
import { describeError, Empty, ErrorText, Id, Loaded, Time } from '../components.tsx';
import { href } from '../router.ts';

function target(type: string | null, id: string | null) {
  if (!id) return '—';
  if (type === 'job')
    return (
      <a href={href(`jobs/${id}`)}>
        job <Id value={id} />
      </a>
    );
  if (type === 'company')
    return (
      <>
        tenant <Id value={id} />
      </>
    );
  return (
    <>
      {type} <code>{id}</code>
    </>
  );
}

function Operators() {
  const tokens = usePoll(() => call(listOperatorTokens()), 10_000, []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<OperatorTokenCreated | undefined>();
  const [error, setError] = useState<string | undefined>();
  const act = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
      tokens.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? describeError(e) : String(e));
    }
  };
  return (
    <section aria-labelledby="operators-title">
      <h2 id="operators-title">Operator tokens</h2>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            setCreated(await call(createOperatorToken({ body: { name } })));
            setName('');
          });
        }}
      >
        <label>
          Name
          <input
            required
            maxLength={100}
            pattern="[A-Za-z0-9][A-Za-z0-9 ._@\-]*"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Create token</button>
      </form>
      <ErrorText error={error} />
      {created ? (
        <div class="once" role="status">
          <p>
            Token for <strong>{created.name}</strong>, shown this once (Otto keeps only its hash):
          </p>
          <code class="secret">{created.token}</code>
        </div>
      ) : null}
      <Loaded what="operator tokens" data={tokens.data} error={tokens.error}>
        {(t: { items: OperatorToken[] }) =>
          t.items.length === 0 ? (
            <Empty>No named token yet; OTTO_ADMIN_TOKEN is the operator "admin".</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Token</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Revoked</th>
                  <th scope="col">
                    <span class="sr-only">Revoke</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {t.items.map((o) => (
                  <tr key={o.id}>
                    <td data-label="Name">{o.name}</td>
                    <td data-label="Token">
                      <code>{o.token_prefix}…</code>
                    </td>
                    <td data-label="Created">
                      <Time iso={o.created_at} /> by {o.created_by}
                    </td>
                    <td data-label="Last used">
                      <Time iso={o.last_used_at} />
                    </td>
                    <td data-label="Revoked">
                      {o.revoked_at ? (
                        <>
                          <Time iso={o.revoked_at} /> by {o.revoked_by}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {o.revoked_at ? null : (
                        <button
                          type="button"
                          onClick={() =>
                            act(() => call(revokeOperatorToken({ path: { operator_id: o.id } })))
                          }
                        >
                          Revoke {o.name}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

export function Audit() {
  const log = usePoll(() => call(listAuditLog({ query: { limit: 100 } })), 3000, []);
  return (
    <section aria-labelledby="audit-title">
      <div class="view-head">
        <h1 id="audit-title">Audit log</h1>
      </div>
      <Loaded what="the audit log" data={log.data} error={log.error}>
        {(a: AuditLog) =>
          a.items.length === 0 ? (
            <Empty>No operator action yet.</Empty>
          ) : (
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {a.items.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">
                      <Time iso={e.at} />
                    </td>
                    <td data-label="Who">
                      {e.actor} <span class="muted">({e.actor_kind.replace(/_/g, ' ')})</span>
                    </td>
                    <td data-label="What">
                      <code>{e.action}</code>
                    </td>
                    <td data-label="Target">{target(e.target_type, e.target_id)}</td>
                    <td data-label="Details">
                      <code class="details">{JSON.stringify(e.details)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <Operators />
    </section>
  );
}

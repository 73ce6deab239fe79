// Edit a tenant's name, or disable or enable it (issue 20 item 4; D263): a disabled tenant's CallRail
// webhooks and uploads are refused, its data stays readable. The tenants view reloads by itself.
import { useState } from 'preact/hooks';
import { updateCompany } from '../../../generated/otto/sdk.gen.ts';
import type { Company, CompanyUpdate } from '../../../generated/otto/types.gen.ts';
import { ApiError, call } from '../api.ts';
import { describeError, ErrorText } from '../components.tsx';

export function TenantEdit({ company }: { company: Company }) {
  const [name, setName] = useState(company.name);
  const [msg, setMsg] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const disabled = !!company.disabled_at;
  const save = async (what: string, body: CompanyUpdate) => {
    setError(undefined);
    setMsg(undefined);
    try {
      await call(updateCompany({ path: { company_id: company.id }, body }));
      setMsg(`${what}: done`);
    } catch (e) {
      setError(e instanceof ApiError ? describeError(e) : String(e));
    }
  };
  return (
    <details class="tenant-edit">
      <summary>Edit or disable</summary>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void save('Renamed', { name: name.trim() });
        }}
      >
        <label>
          New name
          <input value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit">Save</button>
      </form>
      <p class="muted">
        {disabled
          ? 'Disabled: its CallRail webhooks and uploads are refused (403 TENANT_DISABLED); its data stays readable.'
          : 'Disabling refuses its CallRail webhooks and uploads; its data stays readable.'}
      </p>
      <button
        type="button"
        class={disabled ? 'primary' : undefined}
        onClick={() => void save(disabled ? 'Enabled' : 'Disabled', { disabled: !disabled })}
      >
        {disabled ? 'Enable this tenant' : 'Disable this tenant'}
      </button>
      {msg ? <p role="status">{msg}</p> : null}
      <ErrorText error={error} />
    </details>
  );
}

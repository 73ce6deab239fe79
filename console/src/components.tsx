// Small pieces every view uses: state badges, times, loading and error states, copyable ids.
import type { ComponentChildren } from 'preact';
import type { ApiError } from './api.ts';

export function Badge({ state }: { state: string }) {
  return <span class={`badge badge-${state}`}>{state.replace(/_/g, ' ')}</span>;
}

export const fmtTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : '—';

export function Time({ iso }: { iso: string | null | undefined }) {
  return iso ? <time dateTime={iso}>{fmtTime(iso)}</time> : <span class="muted">—</span>;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (Math.abs(s) < 60) return s >= 0 ? `${s} s ago` : `in ${-s} s`;
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return m >= 0 ? `${m} min ago` : `in ${-m} min`;
  const h = Math.round(m / 60);
  return h >= 0 ? `${h} h ago` : `in ${-h} h`;
}

/** An id in a monospace chip, shortened on screen, whole in its title and when copied. */
export function Id({ value, short = 8 }: { value: string | null | undefined; short?: number }) {
  if (!value) return <span class="muted">—</span>;
  return (
    <code class="id" title={value}>
      {value.length > short + 2 ? `${value.slice(0, short)}…` : value}
    </code>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-busy="true" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, what }: { error: ApiError; what: string }) {
  return (
    <div class="error-box" role="alert">
      <strong>Could not load {what}.</strong> {describeError(error)}
      {error.requestId ? (
        <span class="muted">
          {' '}
          (request <code>{error.requestId}</code>)
        </span>
      ) : null}
    </div>
  );
}

export function describeError(e: ApiError): string {
  if (e.status === 0) return `${e.message}. Is Otto running? The console retries by itself.`;
  if (e.status === 503 && e.code === 'SERVICE_UNAVAILABLE')
    return 'Otto answers, but its database is unreachable (503 SERVICE_UNAVAILABLE). The console retries by itself.';
  return `${e.code}: ${e.message} (HTTP ${e.status})`;
}

/** Data on screen, with the error of a later refresh above it when there is one. */
export function Loaded<T>({
  what,
  data,
  error,
  children,
}: {
  what: string;
  data: T | undefined;
  error: ApiError | undefined;
  children: (data: T) => ComponentChildren;
}) {
  if (data === undefined) return error ? <ErrorBox error={error} what={what} /> : <Loading what={what} />;
  return (
    <>
      {error ? <ErrorBox error={error} what={what} /> : null}
      {children(data)}
    </>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A form's or a button's failure, announced to screen readers; nothing when there is none. */
export function ErrorText({ error }: { error: string | null | undefined }) {
  return error ? (
    <p role="alert" class="error-text">
      {error}
    </p>
  ) : null;
}

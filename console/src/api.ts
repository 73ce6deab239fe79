// The console talks to Otto through the generated Otto SDK (@hey-api/openapi-ts, generated/otto), exactly as
// Otto's frontend would, and to the simulator's control API through Otto's forwarding (/console/sim/__sim)
// with the generated sim-admin types and openapi-fetch. One place turns answers into data or an ApiError,
// and keeps the connection state the banner shows (Otto down, database down, login needed).
import createSimClient from 'openapi-fetch';
import { useEffect, useRef, useState } from 'preact/hooks';
import { client } from '../../generated/otto/client.gen.ts';
import type { ErrorEnvelope } from '../../generated/otto/types.gen.ts';
import type { paths as SimPaths } from '../../generated/sim-admin/schema.d.ts';

const TOKEN_KEY = 'otto-console-token';

/** The operator token lives in this tab's sessionStorage only (gone when the tab closes, D118). */
export const token = {
  get: (): string | undefined => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

client.setConfig({ baseUrl: location.origin, auth: () => token.get() });

export const sim = createSimClient<SimPaths>({ baseUrl: `${location.origin}/console/sim` });
sim.use({
  onRequest({ request }) {
    const t = token.get();
    if (t) request.headers.set('authorization', `Bearer ${t}`);
    return request;
  },
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type Connection = 'ok' | 'otto_down' | 'database_down' | 'login';
let connection: Connection = 'ok';
const listeners = new Set<(c: Connection) => void>();

function setConnection(c: Connection) {
  if (c === connection) return;
  connection = c;
  for (const l of listeners) l(c);
}

export function useConnection(): Connection {
  const [c, setC] = useState(connection);
  useEffect(() => {
    listeners.add(setC);
    return () => void listeners.delete(setC);
  }, []);
  return c;
}

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

function errorOf(status: number, body: unknown, statusText: string): ApiError {
  const e = (body as ErrorEnvelope | undefined)?.error;
  // the simulator's control API has its own error shape: { error: { code, message } }
  const s = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ApiError(
    status,
    e?.error_code ?? s?.code ?? `HTTP_${status}`,
    e?.message ?? s?.message ?? (statusText || `HTTP ${status}`),
    e?.request_id,
  );
}

/** An SDK call's data, or an ApiError (status 0: Otto did not answer at all). */
export async function call<T>(pending: Promise<SdkResult<T>>): Promise<T> {
  let r: SdkResult<T>;
  try {
    r = await pending;
  } catch {
    r = {};
  }
  if (!r.response) {
    setConnection('otto_down');
    throw new ApiError(0, 'OTTO_UNREACHABLE', `Otto does not answer at ${location.origin}`);
  }
  if (!r.response.ok || r.error !== undefined) {
    const err = errorOf(r.response.status, r.error, r.response.statusText);
    if (r.response.status === 401) setConnection('login');
    else if (r.response.status === 503 && err.code === 'SERVICE_UNAVAILABLE') setConnection('database_down');
    else setConnection('ok');
    throw err;
  }
  setConnection('ok');
  return r.data as T;
}

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  refresh: () => void;
}

/**
 * Loads now and again every `intervalMs` (D122; 0: once, then on refresh(), as the views that follow the
 * event stream do, D267), keeping the last good data on screen when a later load fails.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refresh'>>({
    data: undefined,
    error: undefined,
    loading: true,
    updatedAt: undefined,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const key = JSON.stringify(deps);
  const keyRef = useRef(key);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (keyRef.current !== key) {
      // other filters or another job: what is on screen no longer answers the question
      keyRef.current = key;
      setState({ data: undefined, loading: true, error: undefined, updatedAt: undefined });
    }
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined, loading: false, updatedAt: new Date() });
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, 'CONSOLE_ERROR', String(e));
        if (!stopped) setState((s) => ({ ...s, error, loading: false }));
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, tick]);
  return { ...state, refresh: () => setTick((t) => t + 1) };
}

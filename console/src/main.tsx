// The Otto console (issue 13): one page served by Otto at /console/, talking to Otto through the generated
// SDK. In development on loopback it opens without a login; elsewhere it asks for an operator token (D118).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getOperator } from '../../generated/otto/sdk.gen.ts';
import type { Operator } from '../../generated/otto/types.gen.ts';
import { ApiError, call, token, useConnection } from './api.ts';
import { describeError, ErrorText, Loading } from './components.tsx';
import { href, type Route, useRoute } from './router.ts';
import { Audit } from './views/Audit.tsx';
import { Charts } from './views/Charts.tsx';
import { Inbox } from './views/Inbox.tsx';
import { Jobs } from './views/Jobs.tsx';
import { Journey } from './views/Journey.tsx';
import { Simulator } from './views/Simulator.tsx';
import { Tenants } from './views/Tenants.tsx';

const NAV: { view: Route['view']; path: string; label: string }[] = [
  { view: 'tenants', path: 'tenants', label: 'Tenants' },
  { view: 'jobs', path: 'jobs', label: 'Jobs' },
  { view: 'inbox', path: 'inbox', label: 'Inbox' },
  { view: 'charts', path: 'charts', label: 'Charts' },
  { view: 'simulator', path: 'simulator', label: 'Simulator' },
  { view: 'audit', path: 'audit', label: 'Audit' },
];

function Banner() {
  const c = useConnection();
  if (c === 'otto_down')
    return (
      <div class="banner banner-down" role="alert">
        Otto does not answer at {location.origin}. Showing the last data; retrying by itself.
      </div>
    );
  if (c === 'database_down')
    return (
      <div class="banner banner-down" role="alert">
        Otto answers, but its database is unreachable (503). Nothing is lost; retrying by itself.
      </div>
    );
  return null;
}

function Login({ onLogin, problem }: { onLogin: (op: Operator) => void; problem?: string }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(problem);
  const submit = async (e: Event) => {
    e.preventDefault();
    token.set(value.trim());
    try {
      onLogin(await call(getOperator()));
    } catch (err) {
      token.clear();
      setError(
        err instanceof ApiError && err.status === 401
          ? 'This token is not valid (unknown or revoked).'
          : err instanceof ApiError
            ? describeError(err)
            : String(err),
      );
    }
  };
  return (
    <main class="login" id="main">
      <h1>Otto console</h1>
      <p>Outside development on loopback, the console needs an operator token.</p>
      <form onSubmit={submit}>
        <label>
          Operator token
          <input
            type="password"
            autoComplete="off"
            required
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            // biome-ignore lint/a11y/noAutofocus: the only field of the page
            autoFocus
          />
        </label>
        <button type="submit" class="primary">
          Log in
        </button>
      </form>
      <ErrorText error={error} />
      <p class="muted">
        Create one with <code>npm run operator -- create --name YOUR_NAME</code>, or use OTTO_ADMIN_TOKEN.
      </p>
    </main>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'jobs':
      return <Jobs route={route} />;
    case 'journey':
      return <Journey id={route.id ?? ''} />;
    case 'charts':
      return <Charts />;
    case 'simulator':
      return <Simulator />;
    case 'audit':
      return <Audit />;
    case 'inbox':
      return <Inbox route={route} />;
    default:
      return <Tenants />;
  }
}

function App() {
  const route = useRoute();
  const connection = useConnection();
  const [operator, setOperator] = useState<Operator | undefined>();
  const [boot, setBoot] = useState<'checking' | 'login' | 'ready' | ApiError>('checking');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const check = async () => {
      try {
        const op = await call(getOperator());
        if (!stopped) {
          setOperator(op);
          setBoot('ready');
        }
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.status === 401) setBoot('login');
        else {
          setBoot(e instanceof ApiError ? e : new ApiError(0, 'CONSOLE_ERROR', String(e)));
          timer = setTimeout(check, 3000); // Otto or its database down at start: keep trying
        }
      }
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  useEffect(() => {
    if (connection === 'login' && boot === 'ready') setBoot('login');
  }, [connection, boot]);

  if (boot === 'checking') return <Loading what="the console" />;
  if (boot === 'login')
    return (
      <Login
        onLogin={(op) => {
          setOperator(op);
          setBoot('ready');
        }}
      />
    );
  if (boot instanceof ApiError)
    return (
      <main class="login" id="main">
        <h1>Otto console</h1>
        <div class="error-box" role="alert">
          {describeError(boot)}
        </div>
      </main>
    );
  const active = route.view === 'journey' ? 'jobs' : route.view;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('tenants')}>
          Otto console
        </a>
        <nav aria-label="Views">
          {NAV.map((n) => (
            <a key={n.view} href={href(n.path)} aria-current={active === n.view ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="who">
          {operator?.name}
          {operator?.kind === 'local_dev' ? (
            <span class="muted"> (no login: development on loopback)</span>
          ) : null}
          {token.get() ? (
            <button
              type="button"
              onClick={() => {
                token.clear();
                setOperator(undefined);
                setBoot('login');
              }}
            >
              Log out
            </button>
          ) : null}
        </div>
      </header>
      <Banner />
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);

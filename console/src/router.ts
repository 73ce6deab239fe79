// Hash routes (#/jobs?status=failed, #/jobs/<id>): the page is served once at /console/, every view is
// addressable and the browser's back button works.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: 'tenants' | 'jobs' | 'journey' | 'charts' | 'simulator' | 'audit' | 'inbox';
  id?: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [first, second] = path.split('/');
  const params = new URLSearchParams(query);
  if (first === 'jobs' && second) return { view: 'journey', id: decodeURIComponent(second), params };
  if (
    first === 'jobs' ||
    first === 'charts' ||
    first === 'simulator' ||
    first === 'audit' ||
    first === 'inbox'
  )
    return { view: first, params };
  return { view: 'tenants', params };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (path: string, params?: Record<string, string | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
};

export const navigate = (path: string, params?: Record<string, string | undefined>) => {
  location.hash = href(path, params);
};

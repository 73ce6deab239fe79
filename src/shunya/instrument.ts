// A fetch for the Shunya client that times every HTTP attempt: in the OpenTelemetry conventions
// (http_client_request_duration_seconds, D199) and under the name kept for one release
// (otto_shunya_request_duration_seconds, labelled by endpoint template and outcome).
import type { Metrics } from '../metrics.ts';
import { endpointLabel, endpointOfRequest } from './endpoints.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function instrumentedFetch(metrics: Metrics, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    // read method and URL without touching the body (copying a Request would consume it)
    const method = (input instanceof Request ? input.method : (init?.method ?? 'GET')).toUpperCase();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const hit = endpointOfRequest(method, url.pathname);
    const endpoint = hit ? endpointLabel(hit) : 'other';
    const labels = {
      http_request_method: KNOWN_METHODS.has(method) ? method : '_OTHER',
      server_address: url.hostname,
      ...(hit ? { http_route: hit.path } : {}),
    };
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const res = await inner(input, init);
      metrics.shunyaRequests.observe({ endpoint, outcome: String(res.status) }, seconds());
      metrics.httpClientDuration.observe(
        {
          ...labels,
          http_response_status_code: String(res.status),
          ...(res.status >= 400 ? { error_type: String(res.status) } : {}),
        },
        seconds(),
      );
      return res;
    } catch (e) {
      const name = (e as { name?: string }).name;
      const outcome = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error';
      metrics.shunyaRequests.observe({ endpoint, outcome }, seconds());
      metrics.httpClientDuration.observe({ ...labels, error_type: outcome }, seconds());
      throw e;
    }
  };
}

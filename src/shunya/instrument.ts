// A transport for the Shunya client that times every HTTP attempt: in the OpenTelemetry conventions
// (http_client_request_duration_seconds, D199) and under the name kept for one release
// (otto_shunya_request_duration_seconds, labelled by endpoint template and outcome). An attempt's time
// runs to its answer's last byte (D550; with fetch it ran to the answer's headers).
import type { Metrics } from '../metrics.ts';
import { endpointLabel, endpointOfRequest } from './endpoints.ts';
import type { Transport } from './transport.ts';

export function instrumentedTransport(metrics: Metrics, inner: Transport): Transport {
  return async (req) => {
    const started = performance.now();
    const url = new URL(req.url);
    const hit = endpointOfRequest(req.method, url.pathname);
    const endpoint = hit ? endpointLabel(hit) : 'other';
    const labels = {
      http_request_method: req.method,
      server_address: url.hostname,
      ...(hit ? { http_route: hit.path } : {}),
    };
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const res = await inner(req);
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

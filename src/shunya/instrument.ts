// A fetch for the Shunya client that times every HTTP attempt, labelled by endpoint template and outcome.
import type { Metrics } from '../metrics.ts';
import { labelOfRequest } from './endpoints.ts';

export function instrumentedFetch(metrics: Metrics, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    // read method and URL without touching the body (copying a Request would consume it)
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
    const url = input instanceof Request ? input.url : String(input);
    const endpoint = labelOfRequest(method.toUpperCase(), new URL(url).pathname);
    try {
      const res = await inner(input, init);
      metrics.shunyaRequests.observe(
        { endpoint, outcome: String(res.status) },
        (performance.now() - started) / 1000,
      );
      return res;
    } catch (e) {
      const outcome =
        (e as { name?: string }).name === 'TimeoutError' || (e as { name?: string }).name === 'AbortError'
          ? 'timeout'
          : 'network_error';
      metrics.shunyaRequests.observe({ endpoint, outcome }, (performance.now() - started) / 1000);
      throw e;
    }
  };
}

// Runs the conformance kit in this process against a simulator over HTTP (the mutation tests run many
// at once: each with its own tenants, listener and deviations; the default-configuration test spawns
// the real CLI instead, test/conformance/cli.test.ts).

import type { Report } from '../../scripts/conformance/results.ts';
import { runShunya } from '../../scripts/conformance/run-shunya.ts';
import type { Deviation, Variation } from '../../simulator/deviations.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';
import { ROOT } from '../helpers/spawn.ts';

export const SECRETS = { jwt: 'dev-uwc-jwt-secret-change-me', hmac: 'dev-uwc-hmac-secret-change-me' };

/** One --quick run for two fresh tenants with `deviations` (and allowed `variations`) switched on for
 * both. */
export async function runKit(
  h: SimulatorHandle,
  name: string,
  deviations: Deviation[],
  timeScale: number,
  variations: Variation[] = [],
): Promise<{ report: Report; log: string[] }> {
  const port = await freePort();
  const companies: [string, string] = [`${name}_a`, `${name}_b`];
  const webhook_url = `http://127.0.0.1:${port}/api/v1/shunya/webhook`;
  h.sim.configure({
    tenants: Object.fromEntries(companies.map((c) => [c, { webhook_url, deviations, variations }])),
  });
  const log: string[] = [];
  const report = await runShunya({
    baseUrl: h.url,
    jwtSecret: SECRETS.jwt,
    hmacSecret: SECRETS.hmac,
    listenPort: port,
    listenHost: '127.0.0.1',
    publicUrl: undefined,
    reportDir: '',
    companies,
    quick: true,
    timeScale,
    maxRequests: 600,
    deadlineS: 90,
    asyncBudgetMs: 5000,
    contractFile: `${ROOT}/contracts/shunya.openapi.yaml`,
    audioUrl: undefined,
    callIdBase: undefined,
    log: (l) => log.push(l),
  });
  return { report, log };
}

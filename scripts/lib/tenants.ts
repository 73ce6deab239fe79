// Tenants for the scripts, created through Otto's operations API as an operator would, each with its own
// CallRail signing key.
import { randomBytes } from 'node:crypto';

export interface Tenant {
  id: string;
  callrailCompanyId: string;
  signingKey: string;
}

export async function createTenants(
  apiUrl: string,
  adminToken: string,
  count: number,
  o: { name: string; callrailBase: number },
): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  for (let i = 0; i < count; i++) {
    const signingKey = randomBytes(16).toString('hex');
    const callrailCompanyId = String(o.callrailBase + i);
    const res = await fetch(`${apiUrl}/api/v1/ops/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `${o.name} ${i}`,
        callrail_company_id: callrailCompanyId,
        callrail_signing_key: signingKey,
      }),
    });
    if (res.status !== 201) throw new Error(`creating tenant ${i}: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    tenants.push({ id, callrailCompanyId, signingKey });
  }
  return tenants;
}

/**
 * With several API processes, each tenant's Shunya webhooks go to one of them (round robin over tenants),
 * through the simulator's per-tenant webhook URL; with one, every webhook goes to it.
 */
export function webhookRoutes(tenants: { id: string }[], apiUrls: string[]) {
  return Object.fromEntries(
    tenants.map((t, i) => [t.id, { webhook_url: `${apiUrls[i % apiUrls.length]}/api/v1/shunya/webhook` }]),
  );
}

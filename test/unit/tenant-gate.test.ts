// One tenant's triggers run at most `limit` at a time in a process, in order; other tenants are not held
// up by its queue (D102).
import { describe, expect, it } from 'vitest';
import { TenantGate } from '../../src/http/tenant-gate.ts';
import { deferred } from '../helpers/sse.ts';

describe('TenantGate', () => {
  it("holds a tenant's excess in order, lets other tenants through, and refuses nothing", async () => {
    const gate = new TenantGate(2);
    const order: string[] = [];
    const releases = Array.from({ length: 4 }, () => deferred());
    const runs = releases.map((r, i) =>
      gate.run('flood', async () => {
        order.push(`start ${i}`);
        await r.promise;
        return i;
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['start 0', 'start 1']);
    // another tenant is not held up by the flood's queue
    expect(await gate.run('other', async () => 'other')).toBe('other');
    releases[1]?.resolve();
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['start 0', 'start 1', 'start 2']);
    for (const r of releases) r.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(order).toEqual(['start 0', 'start 1', 'start 2', 'start 3']);
  });

  it('frees the slot of a run that throws', async () => {
    const gate = new TenantGate(1);
    await expect(gate.run('t', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await gate.run('t', async () => 1)).toBe(1);
  });
});

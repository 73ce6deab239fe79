// Prism loads each OpenAPI document and mocks it: the documents are usable by the contract tooling
// (proxy validation in the simulator and end-to-end suites relies on the same loading).
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/net.ts';
import { bin, type Proc, start } from '../helpers/spawn.ts';

const procs: Proc[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
});

async function mock(file: string): Promise<string> {
  const port = await freePort();
  const p = await start(
    bin('prism'),
    ['mock', `contracts/${file}`, '-h', '127.0.0.1', '-p', String(port)],
    /Prism is listening/,
    {
      timeoutMs: 90_000,
    },
  );
  procs.push(p);
  return `http://127.0.0.1:${port}`;
}

describe('prism mock', () => {
  it('serves the Shunya contract', async () => {
    const base = await mock('shunya.openapi.yaml');
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });

    const transcribe = await fetch(`${base}/api/v1/transcription/transcribe`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer x.y.z',
        'content-type': 'application/json',
        'x-company-id': 'company_abc123',
      },
      body: JSON.stringify({ call_id: 12345, audio_url: 'https://example.com/a.mp3', call_type: 'csr_call' }),
    });
    expect(transcribe.status).toBe(202);
    expect(await transcribe.json()).toMatchObject({ success: true, task_id: expect.any(String) });

    const unauthenticated = await fetch(`${base}/api/v1/analysis/complete/12345`, {
      headers: { 'x-company-id': 'c' },
    });
    expect(unauthenticated.status).toBe(401);
  }, 120_000);

  it("serves the tolerant reading of Shunya's contract, including its references into the strict one", async () => {
    const base = await mock('shunya.tolerant.openapi.yaml');
    const transcribe = await fetch(`${base}/api/v1/transcription/transcribe`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer x.y.z',
        'content-type': 'application/json',
        'x-company-id': 'company_abc123',
      },
      body: JSON.stringify({ call_id: 12345, audio_url: 'https://example.com/a.mp3', call_type: 'csr_call' }),
    });
    expect(transcribe.status).toBe(200);
    expect(await transcribe.json()).toMatchObject({ success: true, task_id: expect.any(String) });
  }, 120_000);

  it("serves Otto's contract, including its references into Shunya's", async () => {
    const base = await mock('otto.openapi.yaml');
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const analysis = await fetch(`${base}/api/v1/calls/0b6f2c36-3c1d-4c55-9f0e-6a8e1d2b7c41/analysis`, {
      headers: { authorization: 'Bearer x.y.z' },
    });
    expect(analysis.status).toBe(200);
    expect(await analysis.json()).toMatchObject({ status: expect.stringMatching(/complete|processing/) });
  }, 120_000);
});

// Issue 16, finding 8: audio URLs were checked for scheme only, so in production https://169.254.169.254/…,
// https://127.0.0.1:5432/…, https://metadata.google.internal/… and user:pass@ URLs were queued and passed
// to Shunya, whose fetcher then reached into its own network. Now they are refused with a 422 before any
// row or job exists, on the CallRail trigger and the recording upload (D146); development stays permissive.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { frontendToken, SECRETS, type SuiteApp, startApp } from './app.ts';

const INTERNAL = [
  'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'https://127.0.0.1:5432/x.mp3',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://user:pass@recordings.example.com/a.mp3',
  'https://localhost/a.mp3',
  'https://api.localhost/a.mp3',
  'https://LOCALHOST./a.mp3',
  'https://metadata/a.mp3',
  'https://instance-data/latest/',
  'https://10.0.0.7/a.mp3',
  'https://172.16.1.1/a.mp3',
  'https://192.168.1.1/a.mp3',
  'https://100.64.0.1/a.mp3',
  'https://0.0.0.0/a.mp3',
  'https://224.0.0.1/a.mp3',
  'https://255.255.255.255/a.mp3',
  'https://2130706433/a.mp3', // 127.0.0.1 in decimal
  'https://0x7f.1/a.mp3', // 127.0.0.1 in hex, short form
  'https://0251.0376.0251.0376/a.mp3', // 169.254.169.254 in octal
  'https://[::1]/a.mp3',
  'https://[::]/a.mp3',
  'https://[::ffff:127.0.0.1]/a.mp3',
  'https://[::ffff:a9fe:a9fe]/a.mp3',
  'https://[fe80::1]/a.mp3',
  'https://[fd00::1]/a.mp3',
  'https://[ff02::1]/a.mp3',
];

let t: TestDatabase;
let production: SuiteApp;
let development: SuiteApp;
let allowList: SuiteApp;

beforeAll(async () => {
  t = await createTestDatabase();
  production = await startApp(t, { NODE_ENV: 'production' });
  development = await startApp(t, { NODE_ENV: 'development' });
  allowList = await startApp(t, {
    NODE_ENV: 'production',
    AUDIO_ALLOWED_HOSTS: 'recordings.example.com, *.cdn.example.net',
  });
});
afterAll(async () => {
  for (const app of [production, development, allowList]) await app?.close();
  await t?.drop();
});

const rows = async (companyId: string) => ({
  calls: Number((await t.db('calls').where({ company_id: companyId }).count())[0]?.count),
  sessions: Number((await t.db('recording_sessions').where({ company_id: companyId }).count())[0]?.count),
  jobs: Number((await t.db('shunya_jobs').where({ company_id: companyId }).count())[0]?.count),
});

const callRail = (app: SuiteApp, company: CompanyRow, url: string) =>
  postCallRail(app.url, company, callRailPayload(company, { recording: url }));

async function upload(app: SuiteApp, company: CompanyRow, url: string): Promise<Response> {
  return fetch(`${app.url}/api/v1/recording-sessions/${randomUUID()}/upload-audio`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await frontendToken({ companyId: company.id, role: 'sales_rep' })}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ audio_url: url }),
  });
}

async function expectRefused(res: Response, url: string): Promise<void> {
  expect(res.status, url).toBe(422);
  const body = zErrorEnvelope.parse(await res.json());
  expect(body.error.error_code, url).toBe('AUDIO_URL_NOT_ALLOWED');
}

describe('in production', () => {
  it.each(INTERNAL)(
    'refuses %s on the CallRail trigger and the upload, before any row exists',
    async (url) => {
      const company = await buildCompany(t.db);
      await expectRefused(await callRail(production, company, url), url);
      await expectRefused(await upload(production, company, url), url);
      expect(await rows(company.id)).toEqual({ calls: 0, sessions: 0, jobs: 0 });
    },
  );

  it('accepts a public host', async () => {
    const company = await buildCompany(t.db);
    expect((await callRail(production, company, 'https://recordings.example.com/a.mp3')).status).toBe(202);
    expect((await upload(production, company, 'https://8.8.8.8/b.mp3')).status).toBe(202);
    expect(await rows(company.id)).toEqual({ calls: 1, sessions: 1, jobs: 2 });
  });

  it('with AUDIO_ALLOWED_HOSTS, takes only the hosts it lists', async () => {
    const company = await buildCompany(t.db);
    await expectRefused(await upload(allowList, company, 'https://elsewhere.example.org/a.mp3'), 'elsewhere');
    await expectRefused(await upload(allowList, company, 'https://cdn.example.net/a.mp3'), 'bare suffix');
    expect((await upload(allowList, company, 'https://recordings.example.com/a.mp3')).status).toBe(202);
    expect((await upload(allowList, company, 'https://eu.cdn.example.net/a.mp3')).status).toBe(202);
  });
});

describe('in development', () => {
  it('stays as permissive as before: loopback audio (the simulator, a local file server) is taken', async () => {
    const company = await buildCompany(t.db);
    expect((await callRail(development, company, 'http://127.0.0.1:4010/a.mp3')).status).toBe(202);
    expect((await upload(development, company, 'http://localhost:8080/b.mp3')).status).toBe(202);
  });
});

describe('AUDIO_URL_POLICY', () => {
  it('is strict everywhere but development unless set', () => {
    const policy = (env: Record<string, string>) =>
      loadConfig({ ...SECRETS, DATABASE_URL: 'postgres://otto@127.0.0.1:5432/otto', ...env }).audio.urlPolicy;
    expect(policy({ NODE_ENV: 'production' })).toBe('strict');
    expect(policy({ NODE_ENV: 'test' })).toBe('strict');
    expect(policy({ NODE_ENV: 'development' })).toBe('permissive');
    expect(policy({ NODE_ENV: 'production', AUDIO_URL_POLICY: 'permissive' })).toBe('permissive');
  });
});

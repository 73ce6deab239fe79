import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_SECRETS, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('gives a complete development configuration from an empty environment', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.http.port).toBe(3000);
    expect(c.uwc.baseUrl).toBe('http://127.0.0.1:4010');
    expect(c.uwc.retryDelaysMs).toEqual([5000, 10000, 30000]);
    expect(c.jobs.retryDelaysS).toEqual([5, 10, 30, 60, 300]);
    expect(c.jobs.tenantMaxConcurrent).toBe(10);
    expect(c.db.url).toBeUndefined();
    expect(c.audio.requireHttps).toBe(false);
    expect(c.auth.hs256Secret).toBe(DEV_SECRETS.AUTH_HS256_SECRET);
    expect(Object.isFrozen(c.uwc)).toBe(true);
  });

  it('reads values and treats empty strings as unset', () => {
    const c = loadConfig({
      PORT: '8080',
      UWC_BASE_URL: 'http://sim:4010/',
      UWC_JWT_ISSUER: '',
      DATABASE_URL: '',
    });
    expect(c.http.port).toBe(8080);
    expect(c.uwc.baseUrl).toBe('http://sim:4010');
    expect(c.uwc.jwtIssuer).toBe('otto-backend');
    expect(c.db.url).toBeUndefined();
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', UWC_RETRY_DELAYS_MS: '5,x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/UWC_RETRY_DELAYS_MS/);
      expect(problems).toMatch(/LOG_LEVEL/);
    }
  });

  it('refuses development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/UWC_JWT_SECRET.*\n.*UWC_HMAC_SECRET/s);
    const ok = loadConfig({
      NODE_ENV: 'production',
      UWC_JWT_SECRET: 'a-real-jwt-secret-0123456789abcdef',
      UWC_HMAC_SECRET: 'a-real-hmac-secret-0123456789abcdef',
      OTTO_ADMIN_TOKEN: 'a-real-admin-token-0123456789abcdef',
      AUTH_JWKS_URL: 'https://clerk.example/.well-known/jwks.json',
      AUTH_ISSUER: 'https://clerk.example',
      AUTH_AUDIENCE: 'otto',
      DATABASE_URL: 'postgres://otto@db.internal/otto',
    });
    expect(ok.auth.hs256Secret).toBeUndefined();
    expect(ok.audio.requireHttps).toBe(true);
  });
});

describe("graphile-worker's batching settings (D291)", () => {
  it('are off by default and read when set', () => {
    expect(loadConfig({}).jobs).toMatchObject({ localQueueSize: 0, batchDelayMs: -1 });
    expect(loadConfig({ WORKER_LOCAL_QUEUE_SIZE: '25', WORKER_BATCH_DELAY_MS: '100' }).jobs).toMatchObject({
      localQueueSize: 25,
      batchDelayMs: 100,
    });
  });

  it('refuses a local queue of one job and a negative delay other than -1', () => {
    expect(() => loadConfig({ WORKER_LOCAL_QUEUE_SIZE: '1' })).toThrow(/WORKER_LOCAL_QUEUE_SIZE/);
    expect(() => loadConfig({ WORKER_BATCH_DELAY_MS: '-5' })).toThrow(/WORKER_BATCH_DELAY_MS/);
  });
});

describe("Otto's connections (D560, D561)", () => {
  it('keeps every pooled connection warm by default, and takes a lower floor (D561)', () => {
    const d = loadConfig({});
    expect([d.db.poolMin, d.db.poolMax]).toEqual([20, 20]);
    expect([d.jobs.workerPoolMin, d.jobs.workerPoolMax]).toEqual([24, 24]);
    const c = loadConfig({
      DB_POOL_MAX: '8',
      DB_POOL_MIN: '2',
      WORKER_CONCURRENCY: '4',
      WORKER_POOL_MIN: '0',
    });
    expect([c.db.poolMin, c.db.poolMax]).toEqual([2, 8]);
    expect([c.jobs.workerPoolMin, c.jobs.workerPoolMax]).toEqual([0, 8]);
    expect(d.db.planCacheMode).toBe('force_generic_plan');
    expect(loadConfig({ DB_PLAN_CACHE_MODE: 'off' }).db.planCacheMode).toBeNull();
    // a floor above the pool's size is the size
    expect(loadConfig({ DB_POOL_MAX: '5', DB_POOL_MIN: '9' }).db.poolMin).toBe(5);
  });
});

// OTTO_MIGRATE_ON_START (D188): in production against a Postgres server, migrations are a deploy step of
// their own, and Otto refuses to start on a database that lacks one, saying what to run; once migrated it
// starts. Everywhere else Otto migrates as it starts, as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { MigrationsPendingError, migrateAll, migrateOnStart } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { startOtto } from '../../src/main.ts';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db.ts';

describe('migrateOnStart', () => {
  it('is off only in production against a Postgres server, unless set', () => {
    expect(migrateOnStart({})).toBe(true);
    expect(migrateOnStart({ NODE_ENV: 'production' })).toBe(true); // the embedded Postgres: nothing else migrates it
    expect(migrateOnStart({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y' })).toBe(false);
    expect(migrateOnStart({ NODE_ENV: 'development', DATABASE_URL: 'postgres://x/y' })).toBe(true);
    expect(
      migrateOnStart({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://x/y',
        OTTO_MIGRATE_ON_START: 'true',
      }),
    ).toBe(true);
    expect(migrateOnStart({ OTTO_MIGRATE_ON_START: 'false' })).toBe(false);
    expect(() => migrateOnStart({ OTTO_MIGRATE_ON_START: 'yes' })).toThrow(
      /must be true or false, not "yes"/,
    );
  });
});

describe('Otto started without migrating', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createEmptyDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });
  const config = () => loadConfig({ DATABASE_URL: t.url, PORT: '0', OTTO_ROLE: 'api', LOG_LEVEL: 'silent' });

  it('refuses a database that lacks migrations, naming them and the command to run', async () => {
    const started = startOtto(config(), createLogger('silent'), { migrate: false });
    await expect(started).rejects.toBeInstanceOf(MigrationsPendingError);
    await expect(started).rejects.toThrow(
      /lacks \d+ migration\(s\) \(0001_initial\.sql, .*npm run db:migrate/,
    );
  });

  it('starts on a migrated database', async () => {
    await migrateAll(t.db, t.url);
    const otto = await startOtto(config(), createLogger('silent'), { migrate: false });
    try {
      expect((await fetch(`${otto.url}/health`)).status).toBe(200);
    } finally {
      await otto.close();
    }
  });
});

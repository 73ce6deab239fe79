// npm run company:create -- --name "ABC Roofing" [--callrail-company-id 398714497] [--signing-key KEY]
//                           [--algorithm hmac-sha1|hmac-sha256]
// Creates a tenant in the configured database (the same as POST /api/v1/ops/companies) and prints it,
// with its CallRail signing key and a development token. The tenant and its audit entry ("cli:<OS user>",
// `company.created`) commit together, as the ops API's do (D150).
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { openDatabase } from '../src/db/database.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { transaction } from '../src/db/tx.ts';
import { type Actor, recordAudit } from '../src/domain/audit-log.ts';
import { DuplicateCompanyError, insertCompany } from '../src/domain/companies.ts';
import { exitOnSetupError, loadConfigOrExit } from '../src/main.ts';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    'callrail-company-id': { type: 'string' },
    'signing-key': { type: 'string' },
    algorithm: { type: 'string', default: 'hmac-sha1' },
  },
});
if (!values.name) {
  console.error(
    'usage: npm run company:create -- --name NAME [--callrail-company-id ID] [--signing-key KEY] [--algorithm hmac-sha1|hmac-sha256]',
  );
  process.exit(2);
}
if (values.algorithm !== 'hmac-sha1' && values.algorithm !== 'hmac-sha256') {
  console.error('--algorithm must be hmac-sha1 or hmac-sha256');
  process.exit(2);
}
// a configuration or data-directory problem is one line and exit 1, as for Otto itself (D93, D136)
const config = loadConfigOrExit(process.env);
const database = await openDatabase(config).catch(exitOnSetupError);
const db = createDb(database.url, 2);
try {
  await migrateAll(db, database.url);
  const actor: Actor = { name: `cli:${userInfo().username}`, kind: 'cli' };
  const c = await transaction(db, async (tx) => {
    const row = await insertCompany(tx, {
      name: values.name as string,
      callrail_company_id: values['callrail-company-id'] ?? null,
      ...(values['signing-key'] ? { callrail_signing_key: values['signing-key'] } : {}),
      callrail_signature_algorithm: values.algorithm as 'hmac-sha1' | 'hmac-sha256',
    });
    await recordAudit(tx, actor, {
      action: 'company.created',
      targetType: 'company',
      targetId: row.id,
      companyId: row.id,
      details: {
        name: row.name,
        callrail_company_id: row.callrail_company_id,
        via: 'npm run company:create',
      },
    });
    return row;
  });
  const token = config.auth.hs256Secret
    ? await mintDevToken(config, c.id)
    : '(tokens come from AUTH_JWKS_URL)';
  console.log(JSON.stringify({ ...c, dev_token: token }, null, 2));
} catch (e) {
  if (e instanceof DuplicateCompanyError) {
    console.error(e.message);
    process.exitCode = 1;
  } else throw e;
} finally {
  await db.destroy();
  await database.stop();
}

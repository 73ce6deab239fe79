// npm run operator -- create --name NAME | list | revoke --name NAME
// Named operator tokens (D115) in the configured database: `create` prints the token once (only its hash is
// kept); `revoke` stops it at once. Each change is written to the audit log as done by "cli:<OS user>".
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { transaction } from '../src/db/tx.ts';
import { type Actor, recordAudit } from '../src/domain/audit-log.ts';
import {
  createOperatorToken,
  DuplicateOperatorError,
  listOperatorTokens,
  revokeOperatorToken,
} from '../src/domain/operator-tokens.ts';
import { exitOnSetupError, loadConfigOrExit } from '../src/main.ts';

const USAGE = 'usage: npm run operator -- create --name NAME | list | revoke --name NAME';
const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: 'string' } } });
const command = positionals[0];
if (!command || !['create', 'list', 'revoke'].includes(command) || (command !== 'list' && !values.name)) {
  console.error(USAGE);
  process.exit(2);
}
const name = values.name ?? '';
if (command === 'create' && !/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$/.test(name)) {
  console.error('--name: letters, digits, space, ".", "_", "@", "-"; at most 100 characters');
  process.exit(2);
}

const actor: Actor = { name: `cli:${userInfo().username}`, kind: 'cli' };
// a configuration or data-directory problem is one line and exit 1, as for Otto itself (D93, D136)
const config = loadConfigOrExit(process.env);
const database = await openDatabase(config).catch(exitOnSetupError);
const db = createDb(database.url, 2);
try {
  await migrateAll(db, database.url);
  if (command === 'list') {
    for (const t of await listOperatorTokens(db))
      console.log(
        `${t.name}\t${t.token_prefix}…\tcreated ${new Date(t.created_at).toISOString()} by ${t.created_by}` +
          (t.revoked_at
            ? `\trevoked ${new Date(t.revoked_at).toISOString()} by ${t.revoked_by}`
            : '\tactive'),
      );
  } else if (command === 'create') {
    const { token } = await transaction(db, async (tx) => {
      const created = await createOperatorToken(tx, name, actor.name);
      await recordAudit(tx, actor, {
        action: 'operator_token.created',
        targetType: 'operator_token',
        targetId: created.row.id,
        details: { name, token_prefix: created.row.token_prefix },
      });
      return created;
    });
    console.log(`Operator token for "${name}" (shown once; Otto keeps only its SHA-256):\n\n  ${token}\n`);
  } else {
    const r = await transaction(db, async (tx) => {
      const revoked = await revokeOperatorToken(tx, { name }, actor.name);
      if (revoked?.revokedNow)
        await recordAudit(tx, actor, {
          action: 'operator_token.revoked',
          targetType: 'operator_token',
          targetId: revoked.row.id,
          details: { name },
        });
      return revoked;
    });
    if (!r) {
      console.error(`No operator token named "${name}"`);
      process.exitCode = 1;
    } else console.log(r.revokedNow ? `Revoked "${name}".` : `"${name}" was already revoked.`);
  }
} catch (e) {
  if (e instanceof DuplicateOperatorError) {
    console.error(`${e.message}; revoke it first (npm run operator -- revoke --name "${name}")`);
    process.exitCode = 1;
  } else throw e;
} finally {
  await db.destroy();
  await database.stop();
}

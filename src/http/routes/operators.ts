// Operators and their audit log, under /api/v1/ops (D115, D116): who am I, named operator tokens (created,
// listed, revoked; the token shown once), and the audit log of every operator action.
import Router from '@koa/router';
import type { AuditEntry, OperatorToken } from '../../../generated/otto/types.gen.ts';
import { zCreateOperatorTokenBody, zListAuditLogQuery, zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { transaction } from '../../db/tx.ts';
import { type AuditRow, listAudit, recordAudit } from '../../domain/audit-log.ts';
import {
  createOperatorToken,
  DuplicateOperatorError,
  listOperatorTokens,
  type OperatorTokenRow,
  revokeOperatorToken,
} from '../../domain/operator-tokens.ts';
import type { AppState } from '../context.ts';
import { conflict, notFound } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { queryWithIntegers, validate } from '../validate.ts';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const presentOperatorToken = (t: OperatorTokenRow): OperatorToken => ({
  id: t.id,
  name: t.name,
  token_prefix: t.token_prefix,
  created_at: new Date(t.created_at).toISOString(),
  created_by: t.created_by,
  last_used_at: iso(t.last_used_at),
  revoked_at: iso(t.revoked_at),
  revoked_by: t.revoked_by,
});

export const presentAuditEntry = (a: AuditRow): AuditEntry => ({
  id: String(a.id),
  at: new Date(a.at).toISOString(),
  actor: a.actor,
  actor_kind: a.actor_kind,
  action: a.action,
  target_type: a.target_type,
  target_id: a.target_id,
  company_id: a.company_id,
  details: a.details,
  request_id: a.request_id,
});

export function operatorRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/ops' });
  router.use(['/me', '/operators', '/audit-log'], operatorAuth(config, db));

  router.get('/me', (ctx) => {
    ctx.body = ctx.state.operator;
  });

  router.get('/operators', async (ctx) => {
    ctx.body = { items: (await listOperatorTokens(db)).map(presentOperatorToken) };
  });

  router.post('/operators', jsonBody(), async (ctx) => {
    const { name } = validate(zCreateOperatorTokenBody, ctx.request.body);
    const operator = ctx.state.operator!;
    try {
      const { row, token } = await transaction(db, async (tx) => {
        const created = await createOperatorToken(tx, name, operator.name);
        await recordAudit(tx, operator, {
          action: 'operator_token.created',
          targetType: 'operator_token',
          targetId: created.row.id,
          details: { name, token_prefix: created.row.token_prefix },
          requestId: ctx.state.requestId,
        });
        return created;
      });
      ctx.status = 201;
      ctx.body = { ...presentOperatorToken(row), token };
    } catch (e) {
      if (e instanceof DuplicateOperatorError) throw conflict('OPERATOR_EXISTS', e.message);
      throw e;
    }
  });

  router.delete('/operators/:operator_id', async (ctx) => {
    const id = validate(zUuid, ctx.params.operator_id);
    const operator = ctx.state.operator!;
    const row = await transaction(db, async (tx) => {
      const r = await revokeOperatorToken(tx, { id }, operator.name);
      if (r?.revokedNow)
        await recordAudit(tx, operator, {
          action: 'operator_token.revoked',
          targetType: 'operator_token',
          targetId: id,
          details: { name: r.row.name },
          requestId: ctx.state.requestId,
        });
      return r?.row;
    });
    if (!row) throw notFound('Operator token');
    ctx.body = presentOperatorToken(row);
  });

  router.get('/audit-log', async (ctx) => {
    const q = validate(zListAuditLogQuery, queryWithIntegers(ctx.query, ['limit']));
    const limit = q.limit ?? 50;
    const rows = await listAudit(db, { limit, before: q.before, companyId: q.company_id, action: q.action });
    const page = rows.slice(0, limit);
    ctx.body = {
      items: page.map(presentAuditEntry),
      next_cursor: rows.length > limit && page.length ? String(page[page.length - 1]?.id) : null,
    };
  });
  return router;
}

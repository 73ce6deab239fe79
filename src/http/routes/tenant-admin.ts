// PATCH /api/v1/ops/companies/{company_id} (issue 20 item 4; D263): an operator edits a tenant's name or
// CallRail signature algorithm, or disables or enables it, audited as company.updated with the changes.
import Router from '@koa/router';
import { zUpdateCompanyBody, zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { transaction } from '../../db/tx.ts';
import { recordAudit } from '../../domain/audit-log.ts';
import { updateCompany } from '../../domain/companies.ts';
import type { AppState } from '../context.ts';
import { notFound, validationFailed } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { validate } from '../validate.ts';
import { presentCompany } from './ops.ts';

export function tenantAdminRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.patch('/api/v1/ops/companies/:company_id', operatorAuth(config, db), jsonBody(), async (ctx) => {
    const id = validate(zUuid, ctx.params.company_id);
    const change = validate(zUpdateCompanyBody, ctx.request.body);
    // the contract's minProperties, which the generated schema does not carry
    if (Object.keys(change).length === 0)
      throw validationFailed([{ path: '(body)', message: 'Name at least one setting to change' }]);
    const row = await transaction(db, async (tx) => {
      const updated = await updateCompany(tx, id, change);
      if (updated)
        await recordAudit(tx, ctx.state.operator!, {
          action: 'company.updated',
          targetType: 'company',
          targetId: id,
          companyId: id,
          details: { changes: change },
          requestId: ctx.state.requestId,
        });
      return updated;
    });
    if (!row) throw notFound('Company');
    ctx.state.log.info({ company_id: id, changes: Object.keys(change) }, 'tenant changed by an operator');
    ctx.body = presentCompany(row);
  });
  return router;
}

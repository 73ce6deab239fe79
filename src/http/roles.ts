// What each role may read and do (issue 16, D149), written per operation in contracts/otto.openapi.yaml
// (`x-roles`) and here; test/security/roles.test.ts holds the two equal and tries every route × role.
// CSRs handle calls (§3.1), sales reps handle visits (§3.2), managers see everything of their tenant;
// appointments join the two flows, so both read them.
import type { Middleware } from 'koa';
import type { DomainEvent } from '../../generated/otto/types.gen.ts';
import type { AppState } from './context.ts';
import { forbidden } from './errors.ts';
import { ROLES, type Role } from './middleware/tenant-auth.ts';

export const ROLE_MATRIX = {
  uploadRecordingAudio: ['sales_rep', 'manager'],
  getCallAnalysis: ['csr', 'manager'],
  getRecordingSession: ['sales_rep', 'manager'],
  getAppointment: ['csr', 'sales_rep', 'manager'],
  streamEvents: ['csr', 'sales_rep', 'manager'],
  createStreamTicket: ['csr', 'sales_rep', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type TenantOperation = keyof typeof ROLE_MATRIX;

/** 403 ROLE_NOT_ALLOWED unless the authenticated tenant's role may call `operation`. Runs after tenantAuth. */
export function allowRoles(operation: TenantOperation): Middleware<AppState> {
  const allowed: readonly string[] = ROLE_MATRIX[operation];
  return async (ctx, next) => {
    const role = ctx.state.tenant?.role;
    if (!role || !allowed.includes(role))
      throw forbidden(
        'ROLE_NOT_ALLOWED',
        `The role ${role ?? '(none)'} may not call ${operation}; allowed: ${allowed.join(', ')}`,
      );
    await next();
  };
}

/** The aggregates each role reads, hence the events its stream carries (a job's by its type). */
const EVENTS_SEEN: Record<Role, { aggregates: readonly string[]; jobType: string | null }> = {
  csr: { aggregates: ['call', 'lead', 'appointment'], jobType: 'csr_call' },
  sales_rep: { aggregates: ['recording_session', 'lead', 'appointment'], jobType: 'sales_visit' },
  manager: { aggregates: ['call', 'lead', 'appointment', 'recording_session', 'shunya_job'], jobType: null },
};

/** Whether a role's event stream carries `e` (D149). */
export function eventVisible(role: string | undefined, e: DomainEvent): boolean {
  if (!role || !(ROLES as readonly string[]).includes(role)) return false;
  const seen = EVENTS_SEEN[role as Role];
  if (e.aggregate_type === 'shunya_job')
    return seen.jobType === null || (e.data as { job_type?: string }).job_type === seen.jobType;
  return seen.aggregates.includes(e.aggregate_type);
}

// What the HTTP layer keeps on ctx.state, typed once.
import type { Actor } from '../domain/audit-log.ts';
import type { Logger } from '../logger.ts';
import type { TraceContext } from '../tracing.ts';
import type { AuthFailureLimiter } from './middleware/auth-failures.ts';

export interface AppState {
  requestId: string;
  log: Logger;
  /** The exact bytes received, for signature checks (set by the JSON body middleware). */
  rawBody?: Buffer;
  /** The tenant and role of an authenticated frontend request (set by tenant auth). */
  tenant?: { companyId: string; role: string | undefined; subject: string | undefined };
  /** The operator of an ops API or console request (set by operator auth). */
  operator?: Actor;
  /** Counts failed authentications per client address (D130); set for every request by buildApp. */
  authFailures?: AuthFailureLimiter;
  /** The request's server span, handed to the work it starts (set by telemetry when tracing is on, D360). */
  trace?: TraceContext;
}

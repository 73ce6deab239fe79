// The registry: every item of the handoff's §13 checklist, numbered as the report and the JUnit file
// number them (13.<section>.<position in the section>), with what the kit does about it:
// - machine: checked by the kit; passes only when every check of it passes;
// - evidence: not checkable without a flood or a long wait; "needs confirmation" unless what the kit
//   saw contradicts it (then it fails);
// - manual: a promise no machine can check; always "needs confirmation", never passed.
// §2.2's machine-checkable responsibilities are checked under the §13 item that states the same thing
// (`also` lists them).

export type ItemKind = 'machine' | 'evidence' | 'manual';

export interface Item {
  id: string;
  title: string;
  statement: string;
  kind: ItemKind;
  /** For evidence and manual items: what Shunya is asked to confirm. */
  confirm?: string;
  /** §2.2 responsibilities checked here. */
  also?: string;
}

export const SECTIONS: Record<string, string> = {
  '13.1': 'API & Endpoints',
  '13.2': 'Authentication & Security',
  '13.3': 'Request Processing',
  '13.4': 'Response Format',
  '13.5': 'Webhook Delivery',
  '13.6': 'Error Handling',
  '13.7': 'Performance & SLAs',
  '13.8': 'Multi-Tenancy',
  '13.9': 'Idempotency',
  '13.10': 'Data & Payloads',
  '13.11': 'Testing & Validation',
  '13.12': 'Documentation',
  '13.13': 'Monitoring & Observability',
  '13.14': 'Support & Escalation',
};

const m = (id: string, title: string, statement: string, also?: string): Item => ({
  id,
  title,
  statement,
  kind: 'machine',
  ...(also ? { also } : {}),
});
const ev = (id: string, title: string, statement: string, confirm: string): Item => ({
  id,
  title,
  statement,
  kind: 'evidence',
  confirm,
});
const man = (id: string, title: string, statement: string, confirm: string): Item => ({
  id,
  title,
  statement,
  kind: 'manual',
  confirm,
});

export const ITEMS: Item[] = [
  man(
    '13.1.1',
    'OpenAPI Specification',
    'Shunya provides complete OpenAPI 3.0 specification for all endpoints',
    "Shunya publishes a complete OpenAPI document; the kit checks behaviour against contracts/shunya.openapi.yaml, not against Shunya's own document (see docs/conformance/ for what today's published document would fail).",
  ),
  m('13.1.2', 'Endpoint URLs', 'All endpoints are accessible at documented URLs'),
  m('13.1.3', 'Request/Response Schemas', 'All request/response schemas match OpenAPI spec'),
  m('13.1.4', 'Error Responses', 'All error responses use canonical error envelope format'),
  man(
    '13.1.5',
    'Versioning',
    'API versioning strategy is documented and implemented',
    'the versioning strategy (the kit sends X-UWC-Version: v1 on every request; how breaking changes are announced is a document, not a behaviour).',
  ),
  m(
    '13.2.1',
    'JWT Verification',
    'Shunya verifies JWT tokens (HS256) with `company_id` claim',
    '§2.2 "Verify JWT tokens (HS256, validate company_id claim)"',
  ),
  m(
    '13.2.2',
    'Header Validation',
    'Shunya validates `X-Company-ID` header matches JWT `company_id`',
    '§2.2 "Validate X-Company-ID header matches JWT company_id"',
  ),
  m(
    '13.2.3',
    'HMAC Signatures',
    'Shunya generates HMAC-SHA256 signatures for webhooks',
    '§2.2 "Generate HMAC-SHA256 signatures", "X-Shunya-Signature (lowercase hex)"',
  ),
  m('13.2.4', 'Webhook Security', 'Shunya includes `X-Shunya-Signature` and `X-Shunya-Timestamp` headers'),
  m(
    '13.2.5',
    'Timestamp Format',
    'Webhook timestamps are epoch milliseconds (string)',
    '§2.2 "X-Shunya-Timestamp (epoch milliseconds)"',
  ),
  m('13.2.6', 'Secret Management', 'Shunya has access to `UWC_JWT_SECRET` and `UWC_HMAC_SECRET`'),
  m(
    '13.3.1',
    'Idempotency-Key',
    'Shunya honors `Idempotency-Key` header (returns same response for duplicates)',
    '§2.2 "Honor Idempotency-Key header"',
  ),
  m(
    '13.3.2',
    'Request ID',
    'Shunya logs `X-Request-ID` for correlation',
    '§2.2 "Accept X-Request-ID for correlation" (the kit checks the echo; the logging itself is 13.13.2)',
  ),
  m(
    '13.3.3',
    'Async Processing',
    'All processing is async (returns job/task ID immediately)',
    '§2.2 "Process requests asynchronously", "Update job status (pending → running → completed/failed)"',
  ),
  m(
    '13.3.4',
    'Job IDs',
    'Shunya returns unique `job_id` / `task_id` / `transcript_id` for tracking',
    '§2.2 "Return unique job_id / task_id / transcript_id"',
  ),
  m(
    '13.4.1',
    'Consistent Structure',
    'All responses use consistent structure (per OpenAPI spec)',
    '§2.2 "Return consistent response structures"',
  ),
  m(
    '13.4.2',
    'Required Fields',
    'All required fields are always present (even if null)',
    '§2.2 "Include all required fields (even if null)"',
  ),
  m(
    '13.4.3',
    'Field Names',
    'Field names match documented contract (no variations)',
    '§2.2 "Use standardized field names"',
  ),
  m(
    '13.4.4',
    'Confidence Scores',
    'All confidence scores are 0.0-1.0 (float)',
    '§2.2 "Include confidence scores where applicable"',
  ),
  m('13.4.5', 'Ordering', 'Arrays are ordered as documented (by time, timestamp, etc.)'),
  m(
    '13.5.1',
    'Webhook Endpoint',
    'Shunya can deliver webhooks to `POST /api/v1/shunya/webhook`',
    '§2.2 "Send webhook to POST /api/v1/shunya/webhook"',
  ),
  m(
    '13.5.2',
    'Webhook Payload',
    'Webhook payload includes `shunya_job_id`, `status`, `result`/`error`, `company_id`',
    '§2.2 "Include shunya_job_id / company_id / status / result or error"',
  ),
  m(
    '13.5.3',
    'Webhook Headers',
    'Webhook includes `X-Shunya-Signature`, `X-Shunya-Timestamp`, `X-Shunya-Task-Id`',
  ),
  m(
    '13.5.4',
    'Webhook Reliability',
    'Webhooks are delivered reliably (at-least-once)',
    '§2.2 "Deliver webhooks reliably (at-least-once delivery)"',
  ),
  m(
    '13.5.5',
    'Webhook Retry',
    'Shunya retries failed webhook deliveries with exponential backoff',
    '§2.2 "Retry webhook delivery on failure (with exponential backoff)"',
  ),
  m(
    '13.6.1',
    'Error Envelope',
    'All errors use canonical error envelope format',
    '§2.2 "Return canonical error envelopes"',
  ),
  m(
    '13.6.2',
    'Retryable Flag',
    'All errors include `retryable` flag (true/false)',
    '§2.2 "Set retryable: true for transient errors, false for permanent errors"',
  ),
  m('13.6.3', 'Error Codes', 'All error codes are documented'),
  m('13.6.4', 'Error Details', 'Error details include correlation IDs for debugging'),
  m(
    '13.7.1',
    'Processing SLAs',
    'Shunya confirms processing SLAs (transcription, analysis, segmentation)',
    '§2.2 "Process transcription/analysis within SLA"',
  ),
  ev(
    '13.7.2',
    'Rate Limits',
    'Shunya confirms rate limits per tenant (requests/minute, requests/hour)',
    'the per-tenant limits (the kit does not flood a staging environment to find them; any 429 it meets must carry Retry-After).',
  ),
  m(
    '13.7.3',
    'Audio Limits',
    'Shunya confirms max audio file size, duration, and supported formats',
    '§2.2 "Support max audio file size"',
  ),
  man(
    '13.7.4',
    'Concurrency',
    'Shunya confirms max concurrent requests per tenant',
    'the maximum of concurrent requests per tenant (the kit never sends more than a few at once).',
  ),
  m('13.8.1', 'Tenant Isolation', 'Shunya enforces tenant isolation (no cross-tenant data access)'),
  m('13.8.2', 'Company ID Validation', 'Shunya validates `company_id` in JWT and header'),
  ev(
    '13.8.3',
    'Rate Limiting',
    'Shunya rate limits per tenant (not global)',
    'that limits are per tenant (checking it needs one tenant flooded while another is watched).',
  ),
  m('13.9.1', 'Idempotency-Key Support', 'Shunya supports `Idempotency-Key` header'),
  m('13.9.2', 'Duplicate Handling', 'Shunya returns same response for duplicate requests'),
  man(
    '13.9.3',
    'Idempotency Storage',
    'Shunya stores idempotency keys for at least 24 hours',
    'that keys are kept 24 hours (the kit does not wait a day).',
  ),
  m('13.10.1', 'Payload Structure', 'All payload structures match documented contract'),
  m('13.10.2', 'Field Variations', 'Shunya confirms no field name variations (uses exact names)'),
  man(
    '13.10.3',
    'Default Values',
    'Shunya confirms default values for optional fields',
    'the default of every optional field (a default is what Shunya assumes when Otto omits a field; the kit cannot see assumptions).',
  ),
  m('13.10.4', 'Ordering Guarantees', 'Shunya confirms ordering guarantees for arrays'),
  man(
    '13.11.1',
    'Test Environment',
    'Shunya provides test/staging environment URL',
    'a test/staging URL (the one this report was run against, if any).',
  ),
  man(
    '13.11.2',
    'Test Credentials',
    'Shunya provides test credentials (JWT secret, HMAC secret)',
    'test credentials are issued and rotated by a documented process.',
  ),
  man(
    '13.11.3',
    'Test Data',
    'Shunya provides test audio files and expected responses',
    'test audio with expected responses (the kit submits its own synthetic speech, scripts/conformance/audio/, unless given --audio-url).',
  ),
  man(
    '13.11.4',
    'Integration Testing',
    'Shunya confirms integration testing process',
    "the integration testing process (running this kit in Shunya's CI is Otto's proposal).",
  ),
  man('13.12.1', 'API Documentation', 'Shunya provides complete API documentation', 'the API documentation.'),
  man(
    '13.12.2',
    'Webhook Documentation',
    'Shunya provides webhook delivery documentation',
    "the webhook delivery documentation (the contract's delivery policy is Otto's proposal).",
  ),
  man(
    '13.12.3',
    'Error Documentation',
    'Shunya provides error code documentation',
    "the error code documentation (the contract's catalogue is Otto's proposal).",
  ),
  man(
    '13.12.4',
    'Changelog',
    'Shunya provides API changelog and version history',
    'a changelog and version history.',
  ),
  man(
    '13.13.1',
    'Metrics',
    'Shunya provides metrics endpoint or dashboard',
    'a metrics endpoint or dashboard.',
  ),
  man(
    '13.13.2',
    'Logging',
    'Shunya logs requests with correlation IDs',
    'that requests are logged with their X-Request-ID (the kit sees only the echo, 13.3.2).',
  ),
  man('13.13.3', 'Alerts', 'Shunya has alerting for critical failures', 'alerting for critical failures.'),
  m('13.13.4', 'Status Page', 'Shunya provides status page or health check endpoint'),
  man(
    '13.14.1',
    'Support Channel',
    'Shunya provides support channel (email, Slack, etc.)',
    'a support channel.',
  ),
  man(
    '13.14.2',
    'Escalation Process',
    'Shunya provides escalation process for critical issues',
    'an escalation process.',
  ),
  man(
    '13.14.3',
    'SLA Response Times',
    'Shunya confirms SLA response times for support requests',
    'support response times.',
  ),
];

export const sectionOf = (id: string) => id.split('.').slice(0, 2).join('.');

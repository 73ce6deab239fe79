// Where each §13 item's rule is written, as the report cites it (D178): a place in the contract
// (`contracts/shunya.openapi.yaml#<JSON pointer>`, with the path written out as the contract writes it
// where the pointer has to escape it) and the section of docs/implementing-shunya.md that explains it.
// Both files are in the repository and in the kit's package; the handoff (§N) is cited by the items'
// statements only, never by a path outside them.

export const CONTRACT = 'contracts/shunya.openapi.yaml';
export const GUIDE = 'docs/implementing-shunya.md';

interface Cite {
  /** JSON pointer into the contract ('' the whole document). */
  at: string;
  /** Anchor of the guide's section. */
  guide: string;
}

const pathOf = (method: string, p: string): string =>
  `/paths/${p.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
const TRANSCRIBE = pathOf('post', '/api/v1/transcription/transcribe');

const CITES: Record<string, Cite> = {
  '13.1.1': { at: '/info', guide: 'the-contract' },
  '13.1.2': { at: '/paths', guide: 'the-contract' },
  '13.1.3': { at: '/components/schemas', guide: 'the-contract' },
  '13.1.4': { at: '/components/schemas/ErrorEnvelope', guide: 'errors' },
  '13.1.5': { at: '/components/parameters/XUwcVersion', guide: 'versioning-x-uwc-version' },
  '13.2.1': { at: '/components/securitySchemes/uwcJwt', guide: 'authentication' },
  '13.2.2': { at: '/components/parameters/XCompanyId', guide: 'authentication' },
  '13.2.3': { at: '/components/parameters/XShunyaSignature', guide: 'webhooks' },
  '13.2.4': { at: '/components/parameters/XShunyaSignature', guide: 'webhooks' },
  '13.2.5': { at: '/components/parameters/XShunyaTimestamp', guide: 'webhooks' },
  '13.2.6': { at: '/components/parameters/XSignature', guide: 'request-signatures-x-signature' },
  '13.3.1': { at: '/components/parameters/IdempotencyKey', guide: 'idempotency' },
  '13.3.2': { at: '/components/headers/XRequestId', guide: 'errors' },
  '13.3.3': { at: TRANSCRIBE, guide: 'jobs-results-and-transcribing-again' },
  '13.3.4': { at: '/components/schemas/JobId', guide: 'jobs-results-and-transcribing-again' },
  '13.4.1': { at: '/components/schemas', guide: 'the-contract' },
  '13.4.2': { at: '/components/schemas', guide: 'the-contract' },
  '13.4.3': { at: '/components/schemas', guide: 'the-contract' },
  '13.4.4': { at: '/components/schemas/Confidence', guide: 'the-contract' },
  '13.4.5': { at: '/components/schemas', guide: 'the-contract' },
  '13.5.1': { at: '/x-webhook-delivery', guide: 'webhooks' },
  '13.5.2': { at: '/webhooks', guide: 'webhooks' },
  '13.5.3': { at: '/webhooks', guide: 'webhooks' },
  '13.5.4': { at: '/x-webhook-delivery', guide: 'webhooks' },
  '13.5.5': { at: '/x-webhook-delivery', guide: 'webhooks' },
  '13.6.1': { at: '/components/schemas/ErrorEnvelope', guide: 'errors' },
  '13.6.2': { at: '/x-error-catalogue', guide: 'errors' },
  '13.6.3': { at: '/x-error-catalogue', guide: 'errors' },
  '13.6.4': { at: '/components/schemas/ErrorObject', guide: 'errors' },
  '13.7.1': { at: '/x-processing-slas', guide: 'jobs-results-and-transcribing-again' },
  '13.7.2': { at: '/x-rate-limits', guide: 'errors' },
  '13.7.3': { at: '/x-audio-limits', guide: 'audio' },
  '13.7.4': { at: '/x-rate-limits', guide: 'errors' },
  '13.8.1': { at: '/x-implementation', guide: 'tenants' },
  '13.8.2': { at: '/components/parameters/XCompanyId', guide: 'tenants' },
  '13.8.3': { at: '/x-rate-limits', guide: 'tenants' },
  '13.9.1': { at: '/components/parameters/IdempotencyKey', guide: 'idempotency' },
  '13.9.2': { at: '/x-implementation/idempotency', guide: 'idempotency' },
  '13.9.3': { at: '/components/parameters/IdempotencyKey', guide: 'idempotency' },
  '13.10.1': { at: '/components/schemas', guide: 'the-contract' },
  '13.10.2': { at: '/components/schemas', guide: 'the-contract' },
  '13.10.3': { at: '/components/schemas', guide: 'the-contract' },
  '13.10.4': { at: '/components/schemas', guide: 'the-contract' },
  '13.13.4': { at: pathOf('get', '/health'), guide: 'the-contract' },
};

/** How an item's rule is cited in the report, e.g.
 * "contracts/shunya.openapi.yaml#/x-webhook-delivery; docs/implementing-shunya.md#webhooks". */
export function citationOf(item: string): string {
  const c = CITES[item];
  // Promises no machine checks (support, documentation, …): the contract's agreement as a whole.
  if (!c) return `${CONTRACT}#/info; ${GUIDE}#running-the-conformance-kit`;
  const readable = /^\/paths\/([^/]+)\/(\w+)$/.exec(c.at);
  const shown = readable
    ? ` (${readable[2]!.toUpperCase()} ${readable[1]!.replace(/~1/g, '/').replace(/~0/g, '~')})`
    : '';
  return `${CONTRACT}#${c.at}${shown}; ${GUIDE}#${c.guide}`;
}

// Otto's Shunya (UWC) integration: the client, its typed errors, the normaliser and the canonical types.

export { isCataloguedErrorCode } from './catalogue.ts';
export {
  createShunyaClient,
  type ShunyaClientDeps,
  type ShunyaClientOptions,
  shunyaClientFromConfig,
} from './client.ts';
export { type Endpoint, endpointLabel, type ShunyaOperation, shunyaEndpoints } from './endpoints.ts';
export {
  errorInfo,
  type OttoErrorEnvelopeFields,
  ShunyaApiError,
  ShunyaAuthenticationError,
  ShunyaCircuitOpenError,
  ShunyaClientError,
  ShunyaError,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaResponseError,
  ShunyaServerError,
  ShunyaTimeoutError,
  toOttoErrorEnvelopeFields,
} from './errors.ts';
export * from './normalize/index.ts';
export { newRequestOptions } from './request-options.ts';
export type * from './types.ts';

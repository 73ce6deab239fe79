// The strict contract's closed error catalogue (x-error-catalogue, D47). A code outside it is not fatal:
// Otto keeps the error as sent, decides by its `retryable` flag, and flags the code in its logs so that
// the deviation from the contract is seen (and reported to Shunya).
import { ERROR_CATALOGUE } from '../../generated/shunya/contract.ts';

export function isCataloguedErrorCode(code: string): boolean {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** Codes Otto's client gives what it could not read, could not reach or would not send; never Shunya's. */
const OTTO_CLIENT_CODES = new Set([
  'INVALID_RESPONSE',
  'UNEXPECTED_STATUS',
  'SHUNYA_TIMEOUT',
  'SHUNYA_UNREACHABLE',
  'CIRCUIT_OPEN',
  'OTTO_INTERNAL_ERROR',
]);

export const isOttoClientErrorCode = (code: string): boolean => OTTO_CLIENT_CODES.has(code);

/** A code Shunya sent that the contract does not list (D47): kept, and flagged in the log. */
export const isUncataloguedShunyaCode = (code: string): boolean =>
  !isCataloguedErrorCode(code) && !isOttoClientErrorCode(code);

// The strict contract's closed error catalogue (x-error-catalogue, D47). A code outside it is not fatal:
// Otto keeps the error as sent, decides by its `retryable` flag, and flags the code in its logs so that
// the deviation from the contract is seen (and reported to Shunya).
import { ERROR_CATALOGUE } from '../../generated/shunya/contract.ts';

export function isCataloguedErrorCode(code: string): boolean {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

// Validation with the zod schemas generated from contracts/otto.openapi.yaml: one function, one error shape.
import type { z } from 'zod';
import { validationFailed } from './errors.ts';

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw validationFailed(
      result.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(body)',
        message: i.message,
      })),
    );
  }
  return result.data;
}

/** Query strings are text; the contract's integer parameters are parsed before validation. */
export function queryWithIntegers(query: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const raw = { ...query };
  for (const n of names) if (typeof raw[n] === 'string' && /^\d+$/.test(raw[n])) raw[n] = Number(raw[n]);
  return raw;
}

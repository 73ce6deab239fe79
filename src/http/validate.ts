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

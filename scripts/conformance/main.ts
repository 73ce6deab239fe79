// npm run conformance: the Shunya conformance kit (see README "For the Shunya team" and USAGE in
// args.ts). Prints its progress, writes the report, exits 1 on any failure.
import { type Args, parse, USAGE, UsageError } from './args.ts';
import { runOtto } from './otto/run.ts';
import { writeReport } from './report/write.ts';
import { counts, failedItems, type Report } from './results.ts';
import { runShunya } from './run-shunya.ts';

export async function run(a: Args, log: (line: string) => void = console.log): Promise<Report> {
  if (a.target === 'otto') return runOtto(a, log);
  return runShunya({
    baseUrl: a.baseUrl,
    jwtSecret: a.jwtSecret,
    hmacSecret: a.hmacSecret,
    listenPort: a.listenPort,
    listenHost: a.listenHost,
    publicUrl: a.publicUrl,
    reportDir: a.reportDir,
    companies: [a.companies[0]!, a.companies[1]!],
    quick: a.quick,
    timeScale: a.timeScale,
    maxRequests: a.maxRequests,
    deadlineS: a.deadlineS,
    asyncBudgetMs: a.asyncBudgetMs,
    contractFile: a.contractFile,
    audioUrl: a.audioUrl,
    callIdBase: a.callIdBase,
    log,
  });
}

async function main(): Promise<number> {
  let a: Args | 'help';
  try {
    a = parse(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`conformance: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (a === 'help') {
    console.log(USAGE);
    return 0;
  }
  const report = await run(a);
  const { files, junitCases } = writeReport(a.reportDir, report);
  const c = counts(report.items);
  console.log(
    `\n${report.title}: ${c.pass} pass, ${c.fail} fail, ${c['needs-confirmation']} need confirmation, ${c['not-checked']} not checked ` +
      `(${report.items.length} items, ${junitCases} JUnit cases, ${report.requests.sent} requests, ${report.durationS.toFixed(1)} s)`,
  );
  if (c.fail) console.log(`failed: ${failedItems(report).join(', ')}`);
  console.log(`report: ${files.join(', ')}`);
  return c.fail ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );

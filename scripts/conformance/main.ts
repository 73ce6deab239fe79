// npm run conformance (or the packed `otto-shunya-conformance`): the Shunya conformance kit (see README
// "For the Shunya team" and USAGE in args.ts). Prints its progress, writes the report, and exits with
// the codes of EXIT (D176): 0 passed, 1 deviations, 2 usage, 3 could not run.
import { type Args, EXIT, parse, USAGE, UsageError } from './args.ts';
import { PACKED } from './assets.ts';
import { runOtto } from './otto/run.ts';
import { exitCodeOf, fixText, notChecked, whatToFix } from './report/fix.ts';
import { writeReport } from './report/write.ts';
import { counts, type Report } from './results.ts';
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
    return EXIT.usage;
  }
  if (a === 'help') {
    console.log(USAGE);
    return EXIT.pass;
  }
  let report: Report;
  try {
    report = await run(a);
  } catch (err) {
    // The listener could not open, the contract could not be read, …: no report can say anything.
    console.error(`conformance: the kit could not run: ${(err as Error).stack ?? err}`);
    return EXIT.couldNotRun;
  }
  const { files, junitCases } = writeReport(a.reportDir, report);
  const c = counts(report.items);
  console.log(
    `\n${report.title}: ${c.pass} pass, ${c.fail} fail, ${c['needs-confirmation']} need confirmation, ${c['not-checked']} not checked ` +
      `(${report.items.length} items, ${junitCases} JUnit cases, ${report.requests.sent} requests, ${report.durationS.toFixed(1)} s)`,
  );
  const fix = whatToFix(report);
  if (fix.length) console.log(`\nWhat to fix:\n${fix.map((f) => `  ${fixText(f)}`).join('\n')}`);
  const unchecked = notChecked(report);
  if (unchecked.length)
    console.log(`\nNot checked:\n${unchecked.map((u) => `  ${u.id} ${u.title}: ${u.why}`).join('\n')}`);
  if (report.unreachable) console.log(`\nThe target never answered: ${report.unreachable}`);
  console.log(`report: ${files.join(', ')}`);
  const code = exitCodeOf(report);
  console.log(`exit code ${code}`);
  return code;
}

// The packed kit is always the entry point; from the repository, only when run as a script.
if (PACKED || import.meta.url === `file://${process.argv[1]}`)
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(EXIT.couldNotRun);
    },
  );

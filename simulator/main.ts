// npm run start:simulator: the Shunya simulator alone, configured from a scenario file, the
// environment and flags (see USAGE and README "Shunya simulator"). Stops on SIGINT/SIGTERM.
import { optionsFromCli, USAGE } from './options.ts';
import { startSimulator } from './server.ts';

let options: ReturnType<typeof optionsFromCli>;
try {
  options = optionsFromCli(process.argv.slice(2), process.env);
} catch (err) {
  console.error(`Shunya simulator: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const handle = await startSimulator(options);
const { sim } = handle;
console.log(
  `Shunya simulator listening on ${handle.url}\n` +
    `  admin API   ${handle.url}/__sim/ (contract: ${handle.url}/__sim/openapi.yaml)\n` +
    `  webhooks to ${sim.settings.webhook_url} (profile ${sim.settings.webhook_profile}, payload shape ${sim.settings.payload_shape})\n` +
    `  presets     ${sim.presetsApplied.join(', ') || 'none (slow: SLA latencies, no faults)'}; time scale ${sim.clock.scale}`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void handle.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 5000).unref();
  });

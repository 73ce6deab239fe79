// The machine a bench or chaos run was made on, as its report states it (figures compare only on one machine).
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string | undefined;
  memoryGiB: number;
  node: string;
}

export const thisMachine = (): Machine => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

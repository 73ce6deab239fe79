import type { Args } from '../args.ts';
import type { Report } from '../results.ts';

export async function runOtto(_a: Args, _log: (line: string) => void): Promise<Report> {
  throw new Error('not yet');
}

// What a job's output_payload keeps (§10.1 "normalized Shunya response", §10.2 "for debugging"; D88): the
// normalised results with personal data redacted (src/util/redact.ts), so that names, phone numbers,
// e-mails, addresses and prose live only in the domain rows §10.1 lists. The one exception is a visit's
// segmentation, which its analysis stage still reads: it is kept whole until the job is done (and stays
// whole for a visit job that fails before its analysis, which an operator retry resumes from).
import { redactPersonal } from '../util/redact.ts';

export function storedOutput(payload: Record<string, unknown>, done: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [stage, value] of Object.entries(payload))
    out[stage] = !done && stage === 'segmentation' ? value : redactPersonal(value);
  return out;
}

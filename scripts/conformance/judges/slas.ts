// 13.7.1 (§11.4): how long each job took, observed by the kit, against the targets and maxima. The kit
// sees an interval, not an instant: at least from its submission's answer to the start of the last
// status read that still said "not done", at most from sending the submission to the first read that
// said "done". A job fails the item only when even the shorter bound exceeds the maximum, so slow polls
// or a loaded machine can never fail a conforming Shunya (D70). Real seconds are multiplied by
// --time-scale (a simulator's virtual seconds per real second).
import type { Evidence } from '../ledger.ts';
import type { Job, Session } from '../session.ts';

export interface Timing {
  label: string;
  stage: 'transcription' | 'analysis' | 'segmentation' | 'webhook';
  /** Virtual seconds. */
  atLeast: number;
  atMost: number;
  target: number;
  max: number;
}

/** Seconds of audio behind a transcription: what the kit submitted, or what the transcript says. */
function audioSeconds(job: Job): number | null {
  if (job.audioS > 0) return job.audioS;
  const r = job.result?.json;
  const d = r?.duration_seconds ?? r?.speaker_labels?.at?.(-1)?.end_time;
  return typeof d === 'number' && d > 0 ? d : null;
}

function processing(s: Session, job: Job): Timing | null {
  if (job.completedEndMs === null || job.failed) return null;
  const scale = s.o.timeScale;
  const atLeast =
    Math.max(0, ((job.lastPendingStartMs ?? job.submit.endedMs) - job.submit.endedMs) / 1000) * scale;
  const atMost = ((job.completedEndMs - job.submit.startedMs) / 1000) * scale;
  const sla = s.contract.slas;
  if (job.kind === 'transcription') {
    const audio = audioSeconds(job);
    if (audio === null) return null;
    const t = sla.transcriptionPerAudioSecond;
    return {
      label: job.label,
      stage: 'transcription',
      atLeast,
      atMost,
      target: t.target * audio,
      max: t.max * audio,
    };
  }
  const t = job.kind === 'analysis' ? sla.analysis : sla.segmentation;
  return { label: job.label, stage: job.kind, atLeast, atMost, target: t.target, max: t.max };
}

function webhook(s: Session, job: Job): Timing | null {
  const first = s.deliveriesOf(job)[0];
  if (!first || job.completedEndMs === null) return null;
  const scale = s.o.timeScale;
  const atLeast = Math.max(0, (first.receivedMs - job.completedEndMs) / 1000) * scale;
  const atMost =
    Math.max(0, (first.receivedMs - (job.lastPendingStartMs ?? job.submit.startedMs)) / 1000) * scale;
  const w = s.contract.slas.webhook;
  return { label: `${job.label} webhook`, stage: 'webhook', atLeast, atMost, target: w.target, max: w.max };
}

export function judgeSlas(s: Session): Timing[] {
  const timings: Timing[] = [];
  // A superseded job's status was another job's: what the kit saw of it is not its own time.
  for (const job of s.jobs.filter((j) => j.designated && !j.supersededBy)) {
    const p = processing(s, job);
    if (p) timings.push(p);
    const w = webhook(s, job);
    if (w) timings.push(w);
  }
  const failures: Evidence[] = timings
    .filter((t) => t.atLeast > t.max)
    .map((t) => ({
      note: `${t.label}: took at least ${t.atLeast.toFixed(1)} s; the maximum is ${t.max.toFixed(1)} s`,
      contract: s.contract.slas.source,
    }));
  if (timings.length === 0) failures.push({ note: 'no job finished, so nothing could be timed' });
  s.ledger.verdict(
    '13.7.1',
    'observed processing and webhook times are within the maxima of §11.4',
    `${timings.length} timings within their maxima (see "Observed processing times")`,
    failures,
  );
  return timings;
}

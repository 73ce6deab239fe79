// The audio the kit submits: --audio-url when given (a recording of the Shunya team's own), otherwise
// the kit's speech fixtures (D175) served by its listener at --public-url (audio.ts): the CSR call as
// MP3, the sales visit as M4A, every other job's as WAV. The audio-limit checks (a size or a format
// given) get synthetic files whose headers declare what is asked.
import { audioUrl, speechFixture, speechUrl } from '../audio.ts';
import type { Session } from '../session.ts';

const SPOKEN = ['wav', 'mp3', 'm4a'];

export function publicUrl(s: Session): string {
  return s.o.publicUrl ?? `http://127.0.0.1:${s.receiver.port}`;
}

/** A file of `durationS` seconds (and `sizeBytes`, when given); `name` ends in its extension. Without
 * a size and in a supported format it is the CSR call's speech (its own duration, not `durationS`). */
export function audioUrlFor(s: Session, name: string, durationS: number, sizeBytes?: number): string {
  const file = name.includes('.') ? name : `${name}.wav`;
  const ext = file.slice(file.lastIndexOf('.') + 1);
  if (sizeBytes === undefined && SPOKEN.includes(ext))
    return speechUrl(publicUrl(s), speechFixture('csr-call', ext), file.slice(0, -ext.length - 1));
  return audioUrl(publicUrl(s), file, durationS, sizeBytes);
}

/** The recording of a flow (`name` starts with csr- or sales-): --audio-url, or a speech fixture
 * with its own duration. `_durationS`, the length of a real call of the kind, is no longer used: the
 * kit's timings must use the length of the audio Shunya actually gets. */
export function flowAudio(
  s: Session,
  name: string,
  _durationS: number,
): { url: string; durationS: number | null } {
  if (s.o.audioUrl) return { url: s.o.audioUrl, durationS: null };
  const f = name.startsWith('sales') ? speechFixture('sales-visit', 'm4a') : speechFixture('csr-call', 'mp3');
  return { url: speechUrl(publicUrl(s), f, name), durationS: f.durationS };
}

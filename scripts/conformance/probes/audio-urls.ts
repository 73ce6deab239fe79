// The audio the kit submits: --audio-url when given (a real recording for a real Shunya), otherwise
// the kit's own synthetic WAVs, served by its listener at --public-url (audio.ts).
import { audioUrl } from '../audio.ts';
import type { Session } from '../session.ts';

export function publicUrl(s: Session): string {
  return s.o.publicUrl ?? `http://127.0.0.1:${s.receiver.port}`;
}

/** A file of `durationS` seconds (and `sizeBytes`, when given); `name` ends in its extension. */
export function audioUrlFor(s: Session, name: string, durationS: number, sizeBytes?: number): string {
  const file = name.includes('.') ? name : `${name}.wav`;
  return audioUrl(publicUrl(s), file, durationS, sizeBytes);
}

/** The recording of a flow: --audio-url, or a synthetic one of `durationS`. */
export function flowAudio(
  s: Session,
  name: string,
  durationS: number,
): { url: string; durationS: number | null } {
  return s.o.audioUrl
    ? { url: s.o.audioUrl, durationS: null }
    : { url: audioUrlFor(s, name, durationS), durationS };
}

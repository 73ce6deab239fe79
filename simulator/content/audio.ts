// Audio metadata. The simulator downloads nothing, so it derives what Shunya would learn from the file,
// deterministically, in this order: the call's scenario (audio_duration_s, audio_size_bytes), then
// query parameters on audio_url (duration_s, size_bytes, size_mb, format, http_status), then the
// extension of the URL's path for the format, then seeded defaults (CSR calls 2–12 min, sales visits
// 20–60 min, about 1 call in 100 close to 2 hours). The size defaults to duration × a bitrate per format
// (MP3 and M4A 64 kbit/s, WAV 8 kHz 16-bit mono), so a 2-hour WAV is over the limit, as it would be.
// Limits of §11.3: at most 100 MB (104 857 600 bytes) and 2 hours, MP3, WAV or M4A.
import { errors, type SimError } from '../errors.ts';
import type { Scenario } from '../scenarios.ts';
import { seeded } from './prng.ts';

export const MAX_AUDIO_BYTES = 104_857_600;
export const MAX_AUDIO_SECONDS = 7200;
const FORMATS = ['mp3', 'wav', 'm4a'] as const;
export type AudioFormat = (typeof FORMATS)[number];
const BYTES_PER_SECOND: Record<AudioFormat, number> = { mp3: 8000, m4a: 8000, wav: 16_000 };

export interface AudioMeta {
  format: AudioFormat;
  duration_s: number;
  size_bytes: number;
}

const num = (v: string | null) =>
  v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;

/** The audio's metadata, or the 422 Shunya answers for it. */
export function deriveAudio(
  audioUrl: string,
  callType: string,
  seedKey: string,
  scenario: Scenario | undefined,
  opts: { checkLimits: boolean } = { checkLimits: true },
): AudioMeta | SimError {
  let url: URL;
  try {
    url = new URL(audioUrl);
  } catch {
    return errors.audio('INVALID_AUDIO_URL', 'Audio URL is not a valid URL', { audio_url: audioUrl });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return errors.audio('INVALID_AUDIO_URL', 'Audio URL must use http or https', { audio_url: audioUrl });
  const httpStatus = num(url.searchParams.get('http_status'));
  if (url.hostname.endsWith('.invalid') || (httpStatus !== undefined && httpStatus >= 400))
    return errors.audio('INVALID_AUDIO_URL', 'Audio URL is not accessible', {
      audio_url: audioUrl,
      http_status: httpStatus ?? 404,
    });

  const ext = /\.([a-z0-9]{1,5})$/i.exec(url.pathname)?.[1]?.toLowerCase();
  const format = ext ?? url.searchParams.get('format')?.toLowerCase() ?? 'mp3';
  if (!(FORMATS as readonly string[]).includes(format))
    return errors.audio(
      'UNSUPPORTED_AUDIO_FORMAT',
      `Audio format "${format}" is not supported; use MP3, WAV or M4A`,
      {
        format,
        supported_formats: [...FORMATS],
      },
    );
  const fmt = format as AudioFormat;

  const rng = seeded(`${seedKey}:audio`);
  const long = rng.chance(0.01);
  const seededDuration = long
    ? rng.int(6300, 7150)
    : callType === 'sales_call'
      ? rng.int(1200, 3600)
      : rng.int(120, 720);
  const duration = scenario?.audio_duration_s ?? num(url.searchParams.get('duration_s')) ?? seededDuration;
  const sizeMb = num(url.searchParams.get('size_mb'));
  const size =
    scenario?.audio_size_bytes ??
    num(url.searchParams.get('size_bytes')) ??
    (sizeMb !== undefined ? Math.round(sizeMb * 1_048_576) : Math.round(duration * BYTES_PER_SECOND[fmt]));

  if (!opts.checkLimits) return { format: fmt, duration_s: duration, size_bytes: size };
  if (size > MAX_AUDIO_BYTES)
    return errors.audio(
      'AUDIO_TOO_LARGE',
      `Audio file is ${size} bytes; the limit is ${MAX_AUDIO_BYTES} bytes (100 MB)`,
      { size_bytes: size, max_size_bytes: MAX_AUDIO_BYTES },
    );
  if (duration > MAX_AUDIO_SECONDS)
    return errors.audio(
      'AUDIO_TOO_LONG',
      `Audio is ${duration} seconds long; the limit is ${MAX_AUDIO_SECONDS} seconds (2 hours)`,
      { duration_seconds: duration, max_duration_seconds: MAX_AUDIO_SECONDS },
    );
  return { format: fmt, duration_s: duration, size_bytes: size };
}

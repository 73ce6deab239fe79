// The test audio the kit's listener serves. By default speech (D175): two short synthetic conversations
// (scripts/conformance/audio/, made by `npm run conformance:audio`), at /audio/<conversation>/<name>.<ext>,
// their real bytes, so that a real Shunya transcribes words rather than failing silence. The limit
// checks use synthetic files instead: a WAV (8-bit mono PCM silence) whose header declares the duration
// and size asked for in the query (`duration_s`, `size_mb`), so that a real Shunya that fetches it
// learns the same as the simulator reads from the URL (D21). The sample rate is chosen to make both true
// at once, so an over-long file stays small (7,300 s at 1 kHz is 7.3 MB). The body is streamed lazily
// and stops when the client hangs up. Other extensions are served as opaque bytes (for the
// unsupported-format check).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Asset, asset } from './assets.ts';
import { SPEECH, type SpeechFixture } from './audio/fixtures.ts';

const HEADER = 44;

function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write('RIFF', 0);
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); // PCM chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate, 28); // bytes per second (8-bit mono)
  h.writeUInt16LE(1, 32); // block align
  h.writeUInt16LE(8, 34); // bits per sample
  h.write('data', 36);
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** Size in bytes and the WAV sample rate for a requested duration (and size, when given). */
export function audioShape(durationS: number, sizeBytes?: number): { size: number; sampleRate: number } {
  const size = sizeBytes ?? HEADER + Math.round(durationS * 8000);
  return { size, sampleRate: Math.max(1, Math.round((size - HEADER) / Math.max(1, durationS))) };
}

/** The URL of a test file served by the kit at `publicUrl`. */
export function audioUrl(publicUrl: string, name: string, durationS: number, sizeBytes?: number): string {
  const { size } = audioShape(durationS, sizeBytes);
  const mb = (size / 1_048_576).toFixed(3);
  return `${publicUrl}/audio/${name}?duration_s=${durationS}&size_mb=${mb}`;
}

const CONTENT_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg', m4a: 'audio/mp4' };

/** The speech fixture of a conversation ('csr-call', 'sales-visit') in a format (wav, mp3, m4a). */
export function speechFixture(conversation: string, format: string): SpeechFixture {
  const f = SPEECH.find((x) => x.file === `${conversation}.${format}`);
  if (!f) throw new Error(`no speech fixture ${conversation}.${format}`);
  return f;
}

/** The URL of a speech fixture, under a name of its own (one per job, as a recording's would be).
 * Its query states the real duration and size, which the simulator reads instead of fetching (D21). */
export function speechUrl(publicUrl: string, f: SpeechFixture, name: string): string {
  const ext = f.file.slice(f.file.lastIndexOf('.') + 1);
  return `${publicUrl}/audio/${f.conversation}/${name}.${ext}?duration_s=${f.durationS}&size_bytes=${f.bytes}`;
}

/** Serves /audio/<conversation>/<name>.<ext> from the fixtures; false when the path names none. */
function serveSpeech(url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  const m = /^\/audio\/([a-z-]+)\/[^/]+\.(wav|mp3|m4a)$/.exec(url.pathname);
  const f = m && SPEECH.find((x) => x.file === `${m[1]}.${m[2]}`);
  if (!m || !f) return false;
  const bytes = asset(`scripts/conformance/audio/${f.file}` as Asset);
  res.writeHead(200, { 'content-type': CONTENT_TYPES[m[2]!]!, 'content-length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
  return true;
}

export function serveAudio(url: URL, req: IncomingMessage, res: ServerResponse): void {
  if (serveSpeech(url, req, res)) return;
  const duration = Number(url.searchParams.get('duration_s') ?? 60);
  const mb = Number(url.searchParams.get('size_mb'));
  const requested = Number.isFinite(mb) && mb > 0 ? Math.round(mb * 1_048_576) : undefined;
  const { size, sampleRate } = audioShape(duration > 0 ? duration : 60, requested);
  const wav = url.pathname.endsWith('.wav');
  res.writeHead(200, {
    'content-type': wav ? 'audio/wav' : 'application/octet-stream',
    'content-length': String(size),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let left = size;
  if (wav) {
    res.write(wavHeader(size - HEADER, sampleRate));
    left -= HEADER;
  }
  const chunk = Buffer.alloc(64 * 1024, 0x80); // 8-bit PCM silence
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  req.socket.once('close', () => {
    left = 0;
  });
  pump();
}

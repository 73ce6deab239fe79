// The kit's default audio is speech (issue 17, item 1; D175): the committed fixtures are what
// fixtures.ts says (size, SHA-256, a readable header of their format, well under 200 kB), and the kit's
// listener serves them at the URLs the flows submit, byte for byte, where it used to serve silence.
// The audio-limit probes keep their synthetic files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH } from '../../scripts/conformance/audio/fixtures.ts';
import { audioUrlFor, flowAudio } from '../../scripts/conformance/probes/audio-urls.ts';
import { Receiver } from '../../scripts/conformance/receiver.ts';
import type { Session } from '../../scripts/conformance/session.ts';
import { ROOT } from '../helpers/spawn.ts';

const DIR = path.join(ROOT, 'scripts/conformance/audio');
const receiver = new Receiver();
/** The parts of a session the audio URLs read: the options and the listener. */
const session = (audioUrl?: string) =>
  ({ o: { publicUrl: undefined, audioUrl }, receiver }) as unknown as Session;

beforeAll(async () => {
  await receiver.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await receiver.close();
});

describe('the speech fixtures', () => {
  it('are two conversations in WAV, MP3 and M4A, each well under 200 kB, as fixtures.ts records', () => {
    expect(SPEECH.map((f) => f.file).sort()).toEqual(
      ['csr-call', 'sales-visit'].flatMap((c) => ['m4a', 'mp3', 'wav'].map((e) => `${c}.${e}`)),
    );
    for (const f of SPEECH) {
      const bytes = readFileSync(path.join(DIR, f.file));
      expect(bytes.length, f.file).toBe(f.bytes);
      expect(bytes.length, f.file).toBeLessThan(170_000);
      expect(createHash('sha256').update(bytes).digest('hex'), f.file).toBe(f.sha256);
      expect(f.durationS, f.file).toBeGreaterThan(10);
    }
  });

  it('are real recordings: a PCM WAV of their duration, an MP3 frame, an MP4 file type', () => {
    for (const f of SPEECH) {
      const b = readFileSync(path.join(DIR, f.file));
      if (f.file.endsWith('.wav')) {
        expect(b.toString('latin1', 0, 4) + b.toString('latin1', 8, 12)).toBe('RIFFWAVE');
        const rate = b.readUInt32LE(28); // bytes per second
        const data = b.indexOf('data', 12, 'latin1');
        expect(Math.abs(b.readUInt32LE(data + 4) / rate - f.durationS)).toBeLessThan(0.2);
        // not silence: 8-bit PCM samples spread well away from the midpoint 0x80
        const samples = b.subarray(data + 8);
        expect(samples.filter((s) => Math.abs(s - 0x80) > 16).length).toBeGreaterThan(samples.length / 20);
      } else if (f.file.endsWith('.mp3'))
        expect(b[0] === 0xff || b.toString('latin1', 0, 3) === 'ID3').toBe(true);
      else expect(b.toString('latin1', 4, 8)).toBe('ftyp');
    }
  });
});

describe("the kit's default audio", () => {
  const fetchBytes = async (url: string) => {
    const res = await fetch(url);
    return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const fixture = (file: string) => readFileSync(path.join(DIR, file));

  it('is the CSR call as MP3 and the sales visit as M4A, served by the listener, with their durations', async () => {
    const csr = flowAudio(session(), 'csr-7000000000001', 120);
    expect(csr.durationS).toBe(SPEECH.find((f) => f.file === 'csr-call.mp3')!.durationS);
    expect(csr.url).toMatch(/\/audio\/csr-call\/csr-7000000000001\.mp3\?duration_s=[\d.]+&size_bytes=\d+$/);
    const got = await fetchBytes(csr.url);
    expect(got.type).toBe('audio/mpeg');
    expect(got.bytes.equals(fixture('csr-call.mp3'))).toBe(true);
    const sales = await fetchBytes(flowAudio(session(), 'sales-7000000000002', 600).url);
    expect(sales.type).toBe('audio/mp4');
    expect(sales.bytes.equals(fixture('sales-visit.m4a'))).toBe(true);
  });

  it('is the CSR call as WAV for the other jobs; the limit probes keep their synthetic files', async () => {
    const probe = await fetchBytes(audioUrlFor(session(), 'probe', 60));
    expect(probe.bytes.equals(fixture('csr-call.wav'))).toBe(true);
    const tooLarge = audioUrlFor(session(), 'too-large.wav', 3600, 110_000_000);
    expect(tooLarge).toMatch(/\/audio\/too-large\.wav\?duration_s=3600&size_mb=/);
    expect(audioUrlFor(session(), 'sample.ogg', 60)).toMatch(/\/audio\/sample\.ogg\?/);
  });

  it('is the team’s own recording when --audio-url is given', () => {
    expect(flowAudio(session('https://rec.example/a.mp3'), 'csr-1', 120)).toEqual({
      url: 'https://rec.example/a.mp3',
      durationS: null,
    });
  });
});

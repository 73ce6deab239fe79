// npm run conformance:audio: makes the kit's speech fixtures (D175), two short synthetic conversations of
// a home-services company, each as WAV, MP3 and M4A, with Debian's espeak-ng (two voices) and ffmpeg,
// and rewrites fixtures.ts (their durations, sizes and lines). The fixtures are committed: the kit, its
// tests and its pack never run this; only a change of the lines below does
// (`apt-get install -y espeak-ng ffmpeg`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const VOICES = { agent: 'en-us+m3', customer: 'en-us+f2' } as const;
type Line = [keyof typeof VOICES, string];

const CONVERSATIONS: { name: string; title: string; lines: Line[] }[] = [
  {
    name: 'csr-call',
    title: 'A CSR call: a customer books an air conditioning repair',
    lines: [
      ['agent', 'Summit Heating and Air, this is Mike. How can I help?'],
      ['customer', 'Hi. My air conditioner stopped cooling last night.'],
      ['agent', 'Sorry to hear that. What is your address?'],
      ['customer', '42 Maple Street. Can someone come tomorrow?'],
      ['agent', 'Tomorrow at nine. The visit is eighty nine dollars.'],
      ['customer', 'Great, please book it.'],
    ],
  },
  {
    name: 'sales-visit',
    title: 'A sales visit: a water heater replacement quote with a price objection',
    lines: [
      ['agent', 'Your water heater is twelve years old and leaking.'],
      ['customer', 'What would a new one cost?'],
      ['agent', 'Installed, it is two thousand four hundred dollars.'],
      ['customer', 'That is more than we budgeted. I need to think.'],
      ['agent', 'We offer financing at sixty nine dollars a month.'],
      ['customer', 'That helps. Send me the quote by email.'],
    ],
  },
];

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
const FFMPEG = ['-y', '-hide_banner', '-loglevel', 'error', '-fflags', '+bitexact', '-map_metadata', '-1'];

/** The conversation as one 16 kHz mono WAV: each line in its speaker's voice, 0.3 s apart. */
function speak(lines: Line[], tmp: string): string {
  const parts = lines.map(([who, text], i) => {
    const raw = path.join(tmp, `${i}.raw.wav`);
    run('espeak-ng', ['-v', VOICES[who], '-s', '175', '-w', raw, text]);
    const padded = path.join(tmp, `${i}.wav`);
    run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', padded, 'pad', '0', '0.3']);
    return padded;
  });
  const joined = path.join(tmp, 'joined.wav');
  run('sox', [...parts, joined]);
  return joined;
}

/** Telephone-quality encodings, each well under 200 kB: 8 kHz 8-bit PCM WAV, 24 kbit/s MP3 and AAC. */
function encode(joined: string, base: string): string[] {
  run('sox', [joined, '-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer', `${base}.wav`]);
  // 16 kHz mono at 24 kbit/s in both lossy formats, bit-exact and without metadata. (A rerun still
  // differs: espeak-ng's speech is not byte-stable, hence fixtures.ts records every file's hash.)
  for (const [ext, codec] of [
    ['mp3', 'libmp3lame'],
    ['m4a', 'aac'],
  ] as const) {
    run('ffmpeg', [
      '-i',
      joined,
      ...FFMPEG,
      '-ac',
      '1',
      '-ar',
      '16000',
      '-c:a',
      codec,
      '-b:a',
      '24k',
      `${base}.${ext}`,
    ]);
  }
  return ['wav', 'mp3', 'm4a'].map((ext) => `${base}.${ext}`);
}

const durationOf = (file: string) => Number(execFileSync('soxi', ['-D', file]).toString().trim());

function main(): void {
  const tmp = mkdtempSync(path.join(tmpdir(), 'conformance-audio-'));
  const entries: string[] = [];
  try {
    for (const c of CONVERSATIONS) {
      const joined = speak(c.lines, tmp);
      const durationS = Math.round(durationOf(joined) * 10) / 10;
      for (const file of encode(joined, path.join(DIR, c.name))) {
        const bytes = readFileSync(file);
        if (bytes.length > 200_000) throw new Error(`${file} is ${bytes.length} bytes, over 200 kB`);
        const sha = createHash('sha256').update(bytes).digest('hex');
        entries.push(
          `  { file: '${path.basename(file)}', conversation: '${c.name}', durationS: ${durationS}, bytes: ${statSync(file).size}, sha256: '${sha}' },`,
        );
        console.log(`${path.basename(file)}: ${durationS} s, ${bytes.length} bytes`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const lines = CONVERSATIONS.map(
    (c) =>
      `  '${c.name}': {\n    title: ${JSON.stringify(c.title)},\n    lines: [\n${c.lines.map(([w, t]) => `      [${JSON.stringify(w)}, ${JSON.stringify(t)}],`).join('\n')}\n    ],\n  },`,
  );
  writeFileSync(
    path.join(DIR, 'fixtures.ts'),
    `// Written by \`npm run conformance:audio\` (make.ts); do not edit. The kit's speech fixtures: each file's\n` +
      `// duration, size and SHA-256, and the lines spoken (what a transcript of it should say).\n\n` +
      `export interface SpeechFixture {\n  file: string;\n  conversation: string;\n  durationS: number;\n  bytes: number;\n  sha256: string;\n}\n\n` +
      `export const SPEECH: SpeechFixture[] = [\n${entries.join('\n')}\n];\n\n` +
      `export const CONVERSATIONS: Record<string, { title: string; lines: [string, string][] }> = {\n${lines.join('\n')}\n};\n`,
  );
}

main();

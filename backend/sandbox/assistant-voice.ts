// The sandbox assistant's voice: text → 16 kHz mono PCM16, offline. With espeak-ng and sox on the
// machine (CI installs both) it is real synthesized speech; without them, a formant synthesizer here
// makes a speech-like signal (voiced vowels with consonant bursts at a talking rhythm), so the web test
// always has audible audio to play, and nothing ever needs the network.
import { spawn, spawnSync } from 'node:child_process';
import type { Logger } from '../src/logging/logger.js';

export const VOICE_SAMPLE_RATE = 16_000;

export interface AssistantVoice {
  readonly kind: 'espeak-ng' | 'formant';
  /** The spoken text as PCM16 samples at 16 kHz. */
  speak(text: string): Promise<Int16Array>;
}

export type VoiceChoice = 'auto' | 'espeak-ng' | 'formant';

const CACHE_ENTRIES = 64;
const ESPEAK_TIMEOUT_MS = 10_000;

export function createAssistantVoice(choice: VoiceChoice, logger: Logger): AssistantVoice {
  const formant = new FormantVoice();
  if (choice === 'formant') return formant;
  const available = commandRuns('espeak-ng', ['--version']) && commandRuns('sox', ['--version']);
  if (!available) {
    if (choice === 'espeak-ng') throw new Error('espeak-ng and sox are needed for the espeak-ng voice');
    logger.info('espeak-ng or sox not found: the sandbox assistant speaks with its formant synthesizer');
    return formant;
  }
  return new EspeakVoice(formant, logger);
}

function commandRuns(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 5_000 });
  return result.status === 0;
}

class EspeakVoice implements AssistantVoice {
  readonly kind = 'espeak-ng' as const;
  private readonly cache = new Map<string, Promise<Int16Array>>();

  constructor(
    private readonly fallback: AssistantVoice,
    private readonly logger: Logger,
  ) {}

  speak(text: string): Promise<Int16Array> {
    const cached = this.cache.get(text);
    if (cached) return cached;
    const spoken = synthesize(text).catch((error: unknown) => {
      this.cache.delete(text);
      this.logger.warn({ err: error }, 'espeak-ng failed; using the formant voice for this line');
      return this.fallback.speak(text);
    });
    this.cache.set(text, spoken);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return spoken;
  }
}

/** espeak-ng (WAV at its own rate) piped through sox to raw 16 kHz signed 16-bit little-endian. */
function synthesize(text: string): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const espeak = spawn('espeak-ng', ['--stdout', '-v', 'en-gb', '-s', '165'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const sox = spawn(
      'sox',
      ['-t', 'wav', '-', '-t', 'raw', '-r', String(VOICE_SAMPLE_RATE), '-e', 'signed-integer', '-b', '16', '-c', '1', '-L', '-'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    const timer = setTimeout(() => {
      espeak.kill('SIGKILL');
      sox.kill('SIGKILL');
      reject(new Error('speech synthesis timed out'));
    }, ESPEAK_TIMEOUT_MS);
    const chunks: Buffer[] = [];
    espeak.on('error', reject);
    sox.on('error', reject);
    espeak.stdout.pipe(sox.stdin);
    sox.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    sox.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`sox exited with ${code}`));
      const bytes = Buffer.concat(chunks);
      const samples = new Int16Array(bytes.length >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      if (samples.length === 0) return reject(new Error('speech synthesis produced no audio'));
      resolve(samples);
    });
    espeak.stdin.end(text);
  });
}

// --- formant synthesizer ------------------------------------------------------------------------

/** F1, F2, F3 (Hz) of five vowels, adult voice. */
const VOWELS: Record<string, [number, number, number]> = {
  a: [730, 1090, 2440],
  e: [530, 1840, 2480],
  i: [270, 2290, 3010],
  o: [570, 840, 2410],
  u: [300, 870, 2240],
};
const BANDWIDTHS: [number, number, number] = [60, 90, 150];
const SYLLABLE_SECONDS = 0.16;
const WORD_GAP_SECONDS = 0.06;
const PAUSE_SECONDS = 0.18;
/** Loud enough to hear clearly, far from clipping. */
const TARGET_RMS_DBFS = -20;

/** Second-order resonator (Klatt): a band-pass peak at `frequency` with `bandwidth`. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private readonly a: number;
  private readonly b: number;
  private readonly c: number;

  constructor(frequency: number, bandwidth: number) {
    const t = 1 / VOICE_SAMPLE_RATE;
    this.c = -Math.exp(-2 * Math.PI * bandwidth * t);
    this.b = 2 * Math.exp(-Math.PI * bandwidth * t) * Math.cos(2 * Math.PI * frequency * t);
    this.a = 1 - this.b - this.c;
  }

  step(x: number): number {
    const y = this.a * x + this.b * this.y1 + this.c * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export class FormantVoice implements AssistantVoice {
  readonly kind = 'formant' as const;

  speak(text: string): Promise<Int16Array> {
    return Promise.resolve(this.render(text));
  }

  render(text: string): Int16Array {
    const out: number[] = [];
    let seed = 0x2f6b_1d3a;
    const noise = () => {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      return seed / 0x1_0000_0000 - 0.5;
    };
    const tokens = text.split(/(\s+|[,.;:!?])/).filter((t) => t.trim() !== '');
    const words = tokens.filter((t) => /\w/.test(t)).length;
    let spoken = 0;
    for (const token of tokens) {
      if (!/\w/.test(token)) {
        silence(out, PAUSE_SECONDS);
        continue;
      }
      // Pitch falls across the sentence, as speech does.
      const pitch = 150 - 40 * (spoken / Math.max(1, words));
      spoken++;
      const vowels = token.toLowerCase().match(/[aeiouy]/g) ?? ['a'];
      const syllables = Math.max(1, Math.min(4, vowels.length));
      for (let s = 0; s < syllables; s++) {
        burst(out, 0.03, noise);
        voiced(out, VOWELS[vowels[s] === 'y' ? 'i' : vowels[s]!] ?? VOWELS.a!, pitch, SYLLABLE_SECONDS, noise);
      }
      silence(out, WORD_GAP_SECONDS);
    }
    silence(out, 0.1);
    return normalise(out);
  }
}

function silence(out: number[], seconds: number): void {
  for (let i = Math.round(seconds * VOICE_SAMPLE_RATE); i > 0; i--) out.push(0);
}

/** A consonant: a short burst of high-band noise. */
function burst(out: number[], seconds: number, noise: () => number): void {
  const resonator = new Resonator(3_500, 1_500);
  const n = Math.round(seconds * VOICE_SAMPLE_RATE);
  for (let i = 0; i < n; i++) out.push(resonator.step(noise()) * 0.25 * Math.sin((Math.PI * i) / n));
}

/** A vowel: a glottal pulse train through three formant resonators, with a smooth envelope. */
function voiced(out: number[], formants: [number, number, number], pitch: number, seconds: number, noise: () => number): void {
  const resonators = formants.map((f, i) => new Resonator(f, BANDWIDTHS[i]!));
  const n = Math.round(seconds * VOICE_SAMPLE_RATE);
  const attack = Math.round(0.015 * VOICE_SAMPLE_RATE);
  const release = Math.round(0.03 * VOICE_SAMPLE_RATE);
  let phase = 0;
  let tilt = 0;
  for (let i = 0; i < n; i++) {
    phase += (pitch * (1 + 0.01 * noise())) / VOICE_SAMPLE_RATE;
    const pulse = phase >= 1 ? 1 : 0;
    if (phase >= 1) phase -= 1;
    // A one-pole low-pass gives the source the downward spectral tilt of a real glottis.
    tilt = 0.9 * tilt + pulse;
    let y = tilt;
    for (const r of resonators) y = r.step(y);
    const envelope =
      i < attack ? 0.5 - 0.5 * Math.cos((Math.PI * i) / attack) : i > n - release ? 0.5 - 0.5 * Math.cos((Math.PI * (n - i)) / release) : 1;
    out.push(y * envelope);
  }
}

function normalise(out: number[]): Int16Array {
  let sum = 0;
  for (const v of out) sum += v * v;
  const rms = Math.sqrt(sum / Math.max(1, out.length));
  const gain = rms === 0 ? 0 : (32_768 * 10 ** (TARGET_RMS_DBFS / 20)) / rms;
  const samples = new Int16Array(out.length);
  for (let i = 0; i < out.length; i++) samples[i] = Math.max(-32_768, Math.min(32_767, Math.round(out[i]! * gain)));
  return samples;
}

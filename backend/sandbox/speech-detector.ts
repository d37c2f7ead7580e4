// How the sandbox assistant knows the caller spoke and stopped: an energy detector over 20 ms PCM16
// frames (no speech recognition; the sandbox has no model and no network). Speech starts after a few
// consecutive loud frames and ends after a stretch of quiet, like the end-of-turn silence a voice
// platform waits for before it answers. It also keeps the level figures the tests compare with the
// microphone's source (RMS over the frames that carried sound).

/** RMS of PCM16 samples, in sample units (0…32768). */
export function rmsOf(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** RMS in dB relative to full scale (32768); silence is -Infinity. */
export function dbfsOf(rms: number): number {
  return 20 * Math.log10(rms / 32_768);
}

/** Little-endian PCM16 bytes as samples (copied when the bytes are not 2-byte aligned). */
export function pcm16Samples(bytes: Uint8Array): Int16Array {
  const count = bytes.byteLength >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  return new Int16Array(bytes.slice(0, count * 2).buffer);
}

export interface SpeechDetectorOptions {
  /** A frame at or above this level counts as sound. */
  thresholdDbfs: number;
  /** Consecutive loud frames before speech is said to have started (debounces clicks). */
  onsetFrames: number;
  /** Consecutive quiet frames after which speech has ended (the end-of-turn pause). */
  hangoverFrames: number;
  frameMs: number;
}

export const DEFAULT_SPEECH_DETECTOR: SpeechDetectorOptions = { thresholdDbfs: -45, onsetFrames: 3, hangoverFrames: 35, frameMs: 20 };

export type SpeechEvent = { type: 'speech-started' } | { type: 'speech-ended'; speechMs: number };

export class SpeechDetector {
  private loudRun = 0;
  private quietRun = 0;
  private speaking = false;
  private speechFrames = 0;

  constructor(private readonly options: SpeechDetectorOptions = DEFAULT_SPEECH_DETECTOR) {}

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Feeds one frame; returns what changed, if anything. */
  push(frame: Int16Array): SpeechEvent | null {
    const loud = dbfsOf(rmsOf(frame)) >= this.options.thresholdDbfs;
    if (!this.speaking) {
      this.loudRun = loud ? this.loudRun + 1 : 0;
      if (this.loudRun < this.options.onsetFrames) return null;
      this.speaking = true;
      this.speechFrames = this.loudRun;
      this.quietRun = 0;
      return { type: 'speech-started' };
    }
    this.speechFrames++;
    this.quietRun = loud ? 0 : this.quietRun + 1;
    if (this.quietRun < this.options.hangoverFrames) return null;
    this.speaking = false;
    this.loudRun = 0;
    // The trailing pause is not speech.
    const speechMs = (this.speechFrames - this.quietRun) * this.options.frameMs;
    return { type: 'speech-ended', speechMs };
  }
}

/** Level figures of everything a call received. */
export class ReceivedLevel {
  frames = 0;
  bytes = 0;
  /** Frames at or above the gate: the ones that carried sound. */
  soundFrames = 0;
  private soundSquares = 0;
  private soundSamples = 0;
  private allSquares = 0;
  private allSamples = 0;

  constructor(private readonly gateDbfs: number) {}

  add(frame: Int16Array, byteLength: number): void {
    this.frames++;
    this.bytes += byteLength;
    let sum = 0;
    for (const s of frame) sum += s * s;
    this.allSquares += sum;
    this.allSamples += frame.length;
    if (frame.length > 0 && dbfsOf(Math.sqrt(sum / frame.length)) >= this.gateDbfs) {
      this.soundFrames++;
      this.soundSquares += sum;
      this.soundSamples += frame.length;
    }
  }

  /** RMS over the frames that carried sound (what a level comparison with the source should use). */
  get soundRms(): number {
    return this.soundSamples === 0 ? 0 : Math.sqrt(this.soundSquares / this.soundSamples);
  }

  get overallRms(): number {
    return this.allSamples === 0 ? 0 : Math.sqrt(this.allSquares / this.allSamples);
  }
}

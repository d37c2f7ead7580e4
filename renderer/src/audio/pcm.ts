// The web test's audio format on the renderer side, and the exact float ⇄ PCM16 sample math.
//
// These constants mirror WEB_TEST_AUDIO (protocol/src/webtest.ts; a unit test keeps them equal). They
// are repeated here because this module is bundled into the AudioWorklet, and importing the protocol
// package there would drag zod into the audio thread.

export const PCM_SAMPLE_RATE = 16_000;
/** 20 ms at 16 kHz. */
export const FRAME_SAMPLES = 320;
export const FRAME_BYTES = FRAME_SAMPLES * 2;
/** Web Audio processes in blocks of this many samples. */
export const RENDER_QUANTUM = 128;

/**
 * Float sample (nominal −1…1) → signed 16-bit integer: scaled by 32768, rounded to nearest with ties
 * away from zero, clipped to −32768…32767 (so +1.0 becomes 32767 and −1.0 becomes −32768). NaN is
 * silence. Exact inverse of `pcm16ToFloat` for every int16 value.
 */
export function floatToPcm16(sample: number): number {
  if (Number.isNaN(sample)) return 0;
  const scaled = sample * 32_768;
  const rounded = scaled < 0 ? -Math.floor(-scaled + 0.5) : Math.floor(scaled + 0.5);
  return rounded > 32_767 ? 32_767 : rounded < -32_768 ? -32_768 : rounded;
}

export function pcm16ToFloat(sample: number): number {
  return sample / 32_768;
}

/** Level of float samples in dBFS (−Infinity for silence). */
export function levelDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / samples.length);
}

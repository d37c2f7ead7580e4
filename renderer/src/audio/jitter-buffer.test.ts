import { describe, expect, it } from 'vitest';
import { JitterBuffer } from './jitter-buffer';

const RATE = 16_000;
const FADE = 64; // 4 ms at 16 kHz

function sineFrames(count: number, frequency: number, amplitude: number, start = 0): Float32Array[] {
  return Array.from({ length: count }, (_, f) =>
    Float32Array.from({ length: 320 }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * (start + f * 320 + i)) / RATE)),
  );
}

function pull(buffer: JitterBuffer, quanta: number): Float32Array {
  const out = new Float32Array(quanta * 128);
  for (let q = 0; q < quanta; q++) buffer.pull(out.subarray(q * 128, (q + 1) * 128));
  return out;
}

function largestStep(samples: Float32Array): number {
  let step = 0;
  for (let i = 1; i < samples.length; i++) step = Math.max(step, Math.abs(samples[i]! - samples[i - 1]!));
  return step;
}

describe('playback jitter buffer', () => {
  it('stays silent until the target is buffered, then plays every sample in order', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE, targetMs: 60, fadeMs: 4 });
    const ramp = Float32Array.from({ length: 960 }, (_, i) => (i + 1) / 1000);
    buffer.push(ramp.subarray(0, 640));
    expect([...pull(buffer, 1)]).toEqual(Array(128).fill(0));
    buffer.push(ramp.subarray(640));
    const out = pull(buffer, 7); // 896 samples
    // A short fade-in, then exactly what arrived.
    expect(Math.abs(out[0]!)).toBe(0);
    for (let i = FADE; i < 896; i++) expect(out[i]).toBeCloseTo(ramp[i]!, 6);
    expect(buffer.stats()).toMatchObject({ playing: true, underruns: 0, droppedSamples: 0 });
  });

  it('on an underrun lets the voice die away instead of cutting it, counts it, and waits for the target again', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE, targetMs: 60, fadeMs: 4 });
    const amplitude = 0.8;
    for (const f of sineFrames(4, 300, amplitude)) buffer.push(f);
    const out = pull(buffer, 20); // 2560 samples asked, 1280 there
    expect(buffer.stats().underruns).toBe(1);
    expect(buffer.stats().playing).toBe(false);
    // Silence after the fade, and no step bigger than the sine's own slope anywhere.
    expect([...out.subarray(1280 + FADE)].every((v) => v === 0)).toBe(true);
    const sineSlope = (2 * Math.PI * 300 * amplitude) / RATE;
    expect(largestStep(out)).toBeLessThanOrEqual(sineSlope + amplitude / FADE + 1e-6);

    // Audio returns: nothing plays until the target is reached, then it fades in.
    buffer.push(sineFrames(2, 300, amplitude, 1280)[0]!);
    expect([...pull(buffer, 1)].every((v) => v === 0)).toBe(true);
    for (const f of sineFrames(3, 300, amplitude, 1600)) buffer.push(f);
    const resumed = pull(buffer, 4);
    expect(Math.abs(resumed[0]!)).toBe(0);
    expect(largestStep(resumed)).toBeLessThanOrEqual(sineSlope + amplitude / FADE + 1e-6);
  });

  it('on an overrun drops the oldest audio down to the target, cross-fading the jump (no click)', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE, targetMs: 60, capacityMs: 300, fadeMs: 4 });
    const amplitude = 0.8;
    const frames = sineFrames(40, 200, amplitude);
    for (const f of frames.slice(0, 4)) buffer.push(f);
    const before = pull(buffer, 5);
    // A burst after a stall: 36 frames (720 ms) at once, far past the 300 ms capacity.
    for (const f of frames.slice(4)) buffer.push(f);
    const stats = buffer.stats();
    expect(stats.bufferedMs).toBeLessThanOrEqual(300);
    expect(stats.droppedSamples).toBeGreaterThan(0);
    // What is left is the newest audio, ending with the last frame that arrived.
    const after = pull(buffer, Math.ceil((stats.bufferedMs * RATE) / 1000 / 128));
    const lastFrame = frames[39]!;
    const tailStart = after.findIndex(
      (_, i) => i > FADE && Math.abs(after[i]! - lastFrame[0]!) < 1e-6 && Math.abs(after[i + 1]! - lastFrame[1]!) < 1e-6,
    );
    expect(tailStart).toBeGreaterThan(0);

    // The splice is smooth: the step is bounded by the sine's slope plus the cross-fade's share.
    const played = new Float32Array(before.length + after.length);
    played.set(before);
    played.set(after, before.length);
    const sineSlope = (2 * Math.PI * 200 * amplitude) / RATE;
    expect(largestStep(played)).toBeLessThanOrEqual(sineSlope + (2 * amplitude) / FADE + 1e-6);
  });

  it('never holds more than its capacity, whatever arrives', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE, targetMs: 60, capacityMs: 300 });
    for (let i = 0; i < 2000; i++) {
      buffer.push(new Float32Array(320).fill(0.1));
      if (i % 3 === 0) pull(buffer, 1);
      expect(buffer.stats().bufferedMs).toBeLessThanOrEqual(300);
    }
    buffer.push(new Float32Array(16_000).fill(0.2)); // one second in a single arrival
    expect(buffer.stats().bufferedMs).toBeLessThanOrEqual(300);
  });
});

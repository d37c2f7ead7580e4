import { describe, expect, it } from 'vitest';
import { CaptureFramer } from './capture-framer';
import { RENDER_QUANTUM, floatToPcm16 } from './pcm';

/** Feeds `signal` in render quanta of 128 samples, the way Web Audio calls process(). */
function capture(contextRate: number, signal: Float32Array): Int16Array[] {
  const frames: Int16Array[] = [];
  const framer = new CaptureFramer(contextRate, (f) => frames.push(f));
  for (let at = 0; at < signal.length; at += RENDER_QUANTUM) framer.push(signal.subarray(at, at + RENDER_QUANTUM));
  return frames;
}

function sine(rate: number, seconds: number, frequency: number, amplitude: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => amplitude * Math.sin((2 * Math.PI * frequency * n) / rate));
}

function joined(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * 320);
  frames.forEach((f, i) => out.set(f, i * 320));
  return out;
}

/** Peak amplitude and frequency of a steady sine, skipping the first `skip` samples. */
function analyse(samples: Int16Array, rate: number, skip: number): { peak: number; frequency: number; rms: number } {
  const steady = samples.subarray(skip);
  let peak = 0;
  let crossings = 0;
  let squares = 0;
  for (let i = 0; i < steady.length; i++) {
    peak = Math.max(peak, Math.abs(steady[i]!));
    squares += steady[i]! ** 2;
    if (i > 0 && steady[i - 1]! < 0 && steady[i]! >= 0) crossings++;
  }
  return { peak, frequency: (crossings * rate) / steady.length, rms: Math.sqrt(squares / steady.length) };
}

describe('capture worklet framing: render quanta in, 20 ms PCM16 frames out', () => {
  it('cuts 128-sample quanta into 320-sample frames across quantum boundaries, sample for sample', () => {
    // A signal where every sample is distinct: frame k, sample i must be input 320k + i.
    const input = Float32Array.from({ length: 128 * 25 }, (_, n) => ((n % 2000) - 1000) / 1000);
    const frames = capture(16_000, input);
    expect(frames).toHaveLength(10); // 3200 samples = exactly 10 frames = 25 quanta
    for (const frame of frames) expect(frame.length).toBe(320);
    const out = joined(frames);
    for (let n = 0; n < out.length; n++) expect(out[n]).toBe(floatToPcm16(input[n]!));
  });

  it('emits a frame only once it is complete, carrying the remainder into the next quantum', () => {
    const frames: Int16Array[] = [];
    const framer = new CaptureFramer(16_000, (f) => frames.push(f));
    const quantum = new Float32Array(128).fill(0.25);
    const counts: number[] = [];
    for (let q = 0; q < 10; q++) {
      framer.push(quantum);
      counts.push(frames.length);
    }
    // 128, 256 | 384 → 1 frame (64 left) | 512, 640 → 2 | 768 → 2 | 896, 1024 → 3 | 1152 → 3 | 1280 → 4
    expect(counts).toEqual([0, 0, 1, 1, 2, 2, 2, 3, 3, 4]);
    expect(new Set(frames.map((f) => f.buffer))).toHaveProperty('size', 4); // each frame owns its memory
  });

  it('clips a microphone that overdrives instead of wrapping', () => {
    const frames = capture(16_000, new Float32Array(320).fill(1.7));
    expect([...new Set(frames[0])]).toEqual([32_767]);
    const negative = capture(16_000, new Float32Array(320).fill(-3));
    expect([...new Set(negative[0])]).toEqual([-32_768]);
  });

  it('resamples a 48 kHz context to 16 kHz: 20 ms frames, same tone, same level', () => {
    const frames = capture(48_000, sine(48_000, 1, 1000, 0.5));
    // 1 s at 48 kHz = 16,000 output samples = 50 frames, less the filter's short start-up delay.
    expect(frames.length).toBeGreaterThanOrEqual(49);
    const { peak, frequency } = analyse(joined(frames), 16_000, 800);
    expect(Math.abs(peak - 0.5 * 32_768) / (0.5 * 32_768)).toBeLessThan(0.01);
    expect(frequency).toBeCloseTo(1000, -1);
  });

  it('resamples 44.1 kHz (a ratio that is not a whole number) without changing pitch or level', () => {
    const frames = capture(44_100, sine(44_100, 1, 440, 0.3));
    const { peak, frequency } = analyse(joined(frames), 16_000, 800);
    expect(Math.abs(peak - 0.3 * 32_768) / (0.3 * 32_768)).toBeLessThan(0.01);
    expect(Math.abs(frequency - 440)).toBeLessThan(5);
  });

  it('removes what 16 kHz cannot carry instead of folding it back (no aliasing)', () => {
    // 10 kHz is above the 8 kHz Nyquist limit of the output: it must vanish, not become 6 kHz.
    const frames = capture(48_000, sine(48_000, 0.5, 10_000, 0.5));
    const { rms } = analyse(joined(frames), 16_000, 800);
    expect(20 * Math.log10(rms / (0.5 * 32_768 * Math.SQRT1_2))).toBeLessThan(-40);
  });
});

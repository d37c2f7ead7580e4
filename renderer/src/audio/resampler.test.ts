import { describe, expect, it } from 'vitest';
import { StreamResampler } from './resampler';

function run(resampler: StreamResampler, input: Float32Array, block: number): number[] {
  const out: number[] = [];
  for (let at = 0; at < input.length; at += block) resampler.push(input.subarray(at, at + block), (s) => out.push(s));
  return out;
}

describe('streaming resampler (used when the AudioContext cannot run at 16 kHz)', () => {
  it('passes samples through untouched when the rates match', () => {
    const input = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    expect(run(new StreamResampler(16_000, 16_000), input, 128)).toEqual([...input]);
  });

  it('upsamples the assistant’s 16 kHz voice to a 48 kHz context with its level intact', () => {
    const input = Float32Array.from({ length: 16_000 }, (_, n) => 0.4 * Math.sin((2 * Math.PI * 500 * n) / 16_000));
    const out = run(new StreamResampler(16_000, 48_000), input, 320);
    expect(out.length).toBeGreaterThan(47_000);
    const steady = out.slice(2000, 40_000);
    const peak = Math.max(...steady.map(Math.abs));
    expect(Math.abs(peak - 0.4) / 0.4).toBeLessThan(0.01);
  });

  it('gives the same output whatever the block sizes it is fed in', () => {
    const input = Float32Array.from({ length: 9000 }, (_, n) => Math.sin(n / 7) * 0.5);
    const a = run(new StreamResampler(44_100, 16_000), input, 128);
    const b = run(new StreamResampler(44_100, 16_000), input, 1000);
    expect(b.length).toBe(a.length);
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 6));
  });

  it('keeps a bounded history however long it runs', () => {
    const resampler = new StreamResampler(48_000, 16_000);
    const block = new Float32Array(128).fill(0.1);
    for (let i = 0; i < 20_000; i++) resampler.push(block, () => undefined);
    expect((resampler as unknown as { buffer: Float32Array }).buffer.length).toBe(4096);
  });
});

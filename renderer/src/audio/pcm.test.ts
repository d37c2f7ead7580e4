import { describe, expect, it } from 'vitest';
import { WEB_TEST_AUDIO } from '@voxanne/protocol';
import { FRAME_BYTES, FRAME_SAMPLES, PCM_SAMPLE_RATE, floatToPcm16, levelDbfs, pcm16ToFloat } from './pcm';

describe('web-test sample math', () => {
  it('uses the wire format every hop agrees on', () => {
    expect(PCM_SAMPLE_RATE).toBe(WEB_TEST_AUDIO.sampleRate);
    expect(FRAME_SAMPLES).toBe(WEB_TEST_AUDIO.frameSamples);
    expect(FRAME_BYTES).toBe(WEB_TEST_AUDIO.frameBytes);
  });

  it('maps full scale exactly: +1 → 32767, −1 → −32768, 0 → 0', () => {
    expect(floatToPcm16(1)).toBe(32_767);
    expect(floatToPcm16(-1)).toBe(-32_768);
    expect(floatToPcm16(0)).toBe(0);
    expect(Object.is(floatToPcm16(-0), 0) || floatToPcm16(-0) === 0).toBe(true);
  });

  it('clips anything beyond full scale instead of wrapping around', () => {
    expect(floatToPcm16(1.0001)).toBe(32_767);
    expect(floatToPcm16(7)).toBe(32_767);
    expect(floatToPcm16(Infinity)).toBe(32_767);
    expect(floatToPcm16(-1.0001)).toBe(-32_768);
    expect(floatToPcm16(-Infinity)).toBe(-32_768);
    expect(floatToPcm16(NaN)).toBe(0);
  });

  it('rounds to nearest, ties away from zero, symmetrically', () => {
    const step = 1 / 32_768;
    expect(floatToPcm16(0.49 * step)).toBe(0);
    expect(floatToPcm16(0.5 * step)).toBe(1);
    expect(floatToPcm16(-0.5 * step)).toBe(-1);
    expect(floatToPcm16(1.5 * step)).toBe(2);
    expect(floatToPcm16(-1.5 * step)).toBe(-2);
    expect(floatToPcm16(2.4999 * step)).toBe(2);
    expect(floatToPcm16(-2.4999 * step)).toBe(-2);
  });

  it('round-trips every one of the 65,536 PCM16 values exactly', () => {
    for (let v = -32_768; v <= 32_767; v++) {
      if (floatToPcm16(pcm16ToFloat(v)) !== v) throw new Error(`${v} does not round-trip`);
      // Float32 storage (what Web Audio hands the worklet) keeps it exact as well.
      if (floatToPcm16(Math.fround(pcm16ToFloat(v))) !== v) throw new Error(`${v} does not survive float32`);
    }
  });

  it('measures level in dBFS', () => {
    expect(levelDbfs(new Float32Array(128).fill(0.5))).toBeCloseTo(-6.02, 2);
    expect(levelDbfs(new Float32Array(128))).toBe(-Infinity);
  });
});

import { describe, expect, it } from 'vitest';
import { WebTestProcessorCore, type ProcessorCommand, type ProcessorPort } from './web-test-processor';

class FakePort implements ProcessorPort {
  readonly posted: Array<{ message: unknown; transfer: Transferable[] }> = [];
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;
  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.posted.push({ message, transfer });
  }
  close(): void {
    this.closed = true;
  }
  /** Delivers a message to whoever listens on this end. */
  deliver(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }
}

function setup(contextRate = 16_000) {
  const host = new FakePort();
  const relay = new FakePort();
  const core = new WebTestProcessorCore(contextRate, host);
  const command = (c: ProcessorCommand) => host.deliver(c);
  command({ type: 'attach-relay', port: relay as unknown as MessagePort });
  return { host, relay, core, command };
}

const quantum = (value: number) => new Float32Array(128).fill(value);

describe('web-test worklet processor', () => {
  it('sends the microphone to the relay as 640-byte PCM16 frames, transferring their memory', () => {
    const { relay, core } = setup();
    for (let q = 0; q < 5; q++) core.process(quantum(0.5), new Float32Array(128));
    const frames = relay.posted.filter((p) => p.message instanceof ArrayBuffer);
    expect(frames).toHaveLength(2);
    for (const { message, transfer } of frames) {
      expect((message as ArrayBuffer).byteLength).toBe(640);
      expect(transfer).toEqual([message]);
      expect(new Int16Array(message as ArrayBuffer).every((v) => v === 16_384)).toBe(true);
    }
  });

  it('passes control messages on to the relay, and sends silence while muted', () => {
    const { relay, core, command } = setup();
    command({ type: 'control', message: { type: 'start' } });
    command({ type: 'control', message: { type: 'mute', muted: true } });
    for (let q = 0; q < 5; q++) core.process(quantum(0.9), new Float32Array(128));
    expect(relay.posted.slice(0, 2).map((p) => p.message)).toEqual([{ type: 'start' }, { type: 'mute', muted: true }]);
    const frames = relay.posted.filter((p) => p.message instanceof ArrayBuffer).map((p) => new Int16Array(p.message as ArrayBuffer));
    expect(frames).toHaveLength(2);
    expect(frames.every((f) => f.every((v) => v === 0))).toBe(true);
  });

  it('plays the assistant’s audio from the relay and passes its other messages up to the page', () => {
    const { host, relay, core } = setup();
    const pcm = new Int16Array(320 * 4).fill(8192); // 80 ms at 0.25 full scale
    relay.deliver(new Uint8Array(pcm.buffer));
    relay.deliver({ type: 'transcript', speaker: 'assistant', transcriptType: 'final', text: 'Hello' });
    const out = new Float32Array(128);
    core.process(undefined, out);
    expect(out[127]).toBeCloseTo(0.25, 6);
    expect(host.posted.map((p) => p.message)).toContainEqual({
      type: 'relay',
      message: { type: 'transcript', speaker: 'assistant', transcriptType: 'final', text: 'Hello' },
    });
  });

  it('resamples the assistant’s 16 kHz audio when the context runs at 48 kHz', () => {
    const { relay, core } = setup(48_000);
    relay.deliver(new Int16Array(320 * 10).fill(8192).buffer);
    let sum = 0;
    let n = 0;
    for (let q = 0; q < 60; q++) {
      const out = new Float32Array(128);
      core.process(undefined, out);
      if (q <= 10) continue;
      for (const v of out) {
        sum += v;
        n++;
      }
    }
    expect(sum / n).toBeCloseTo(0.25, 2);
  });

  it('reports its figures to the page now and then', () => {
    const { host, core } = setup();
    for (let q = 0; q < 100; q++) core.process(quantum(0.1), new Float32Array(128));
    const stats = host.posted.map((p) => p.message).filter((m) => (m as { type: string }).type === 'stats');
    expect(stats).toHaveLength(2);
    expect(stats[1]).toMatchObject({ type: 'stats', framesSent: 40, playback: { underruns: 0 } });
  });

  it('on detach closes the relay port, outputs silence and lets the node go', () => {
    const { relay, core, command } = setup();
    command({ type: 'detach' });
    expect(relay.closed).toBe(true);
    const out = new Float32Array(128).fill(1);
    expect(core.process(quantum(0.5), out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    expect(relay.posted).toEqual([]);
  });
});

// What the web-test AudioWorklet does, as plain code (web-test-worklet.ts only registers it, so the
// audio thread's logic runs in unit tests). One processor per test call, on the audio thread:
// - microphone in → 20 ms PCM16 frames at 16 kHz → straight onto the relay port (to main, then the
//   backend): no hop through the page's main thread, so React work never delays the caller's voice;
// - the assistant's PCM16 from the relay port → jitter buffer → the node's output (the speakers);
// - everything else the relay says (status, transcripts, errors) is passed up to the page.
import { CaptureFramer } from './capture-framer';
import { JitterBuffer, type JitterBufferStats } from './jitter-buffer';
import { PCM_SAMPLE_RATE, pcm16ToFloat } from './pcm';
import { StreamResampler } from './resampler';

export const WEB_TEST_PROCESSOR = 'voxanne-web-test';

/** The page → processor messages (over `AudioWorkletNode.port`). */
export type ProcessorCommand =
  | { type: 'attach-relay'; port: MessagePort }
  /** A control message for the backend (`start`, `end`, `mute`), sent on through the relay. */
  | { type: 'control'; message: { type: 'start' } | { type: 'end' } | { type: 'mute'; muted: boolean } }
  /** Stop: close the relay port and produce nothing more. */
  | { type: 'detach' };

/** The processor → page messages. */
export type ProcessorReport = { type: 'relay'; message: unknown } | { type: 'stats'; framesSent: number; playback: JitterBufferStats };

/** The part of a MessagePort the processor uses (a fake one in tests). */
export interface ProcessorPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** Render quanta between two stats reports (~0.4 s at 16 kHz). */
const STATS_EVERY = 50;

export class WebTestProcessorCore {
  private relay: ProcessorPort | null = null;
  private readonly framer: CaptureFramer;
  private readonly playback: JitterBuffer;
  private readonly toContextRate: StreamResampler;
  private readonly arrival: number[] = [];
  private muted = false;
  private detached = false;
  private framesSent = 0;
  private quanta = 0;
  private silence = new Float32Array(0);
  private readonly collect = (sample: number) => void this.arrival.push(sample);

  constructor(
    contextRate: number,
    private readonly host: ProcessorPort,
  ) {
    this.framer = new CaptureFramer(contextRate, (frame) => this.sendFrame(frame));
    this.playback = new JitterBuffer({ sampleRate: contextRate });
    this.toContextRate = new StreamResampler(PCM_SAMPLE_RATE, contextRate);
    host.onmessage = (event) => this.command(event.data as ProcessorCommand);
  }

  /** One render quantum. False once detached (the node may then be collected). */
  process(input: Float32Array | undefined, output: Float32Array | undefined): boolean {
    if (this.detached) {
      output?.fill(0);
      return false;
    }
    // No input block means the microphone track ended or is not connected yet: nothing to frame.
    if (input) {
      if (this.muted) {
        if (this.silence.length !== input.length) this.silence = new Float32Array(input.length);
        this.framer.push(this.silence);
      } else {
        this.framer.push(input);
      }
    }
    if (output) this.playback.pull(output);
    if (++this.quanta % STATS_EVERY === 0)
      this.host.postMessage({ type: 'stats', framesSent: this.framesSent, playback: this.playback.stats() } satisfies ProcessorReport);
    return true;
  }

  private command(command: ProcessorCommand): void {
    if (this.detached) return;
    switch (command.type) {
      case 'attach-relay':
        this.relay?.close();
        this.relay = command.port;
        this.relay.onmessage = (event) => this.fromRelay(event.data);
        return;
      case 'control':
        if (command.message.type === 'mute') this.muted = command.message.muted;
        this.relay?.postMessage(command.message);
        return;
      case 'detach':
        this.detached = true;
        if (this.relay) {
          this.relay.onmessage = null;
          this.relay.close();
          this.relay = null;
        }
        return;
    }
  }

  private sendFrame(frame: Int16Array): void {
    if (!this.relay) return;
    this.relay.postMessage(frame.buffer, [frame.buffer]);
    this.framesSent++;
  }

  private fromRelay(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : null;
    if (!bytes) {
      this.host.postMessage({ type: 'relay', message: data } satisfies ProcessorReport);
      return;
    }
    // The assistant's voice: little-endian PCM16 at 16 kHz, played at the context's rate.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const samples = new Float32Array(bytes.byteLength >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm16ToFloat(view.getInt16(i * 2, true));
    if (this.toContextRate.passthrough) return this.playback.push(samples);
    this.arrival.length = 0;
    this.toContextRate.push(samples, this.collect);
    this.playback.push(this.arrival);
  }
}

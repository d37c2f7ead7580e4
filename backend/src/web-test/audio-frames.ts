// Audio plumbing of the web-test bridge: a bounded queue of frames waiting for a socket (drop the
// oldest when full: late speech is worse than a gap, and memory never grows), and a re-framer that
// cuts whatever chunk sizes the voice platform sends into the 20 ms frames every hop expects.
import { WEB_TEST_AUDIO } from '@voxanne/protocol';

/** What a FrameQueue drains into: a socket that says how much it still has to send. */
export interface FrameSink {
  readonly open: boolean;
  readonly bufferedAmount: number;
  send(frame: Uint8Array): void;
}

export class FrameQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  /** Frames thrown away because the queue was full. */
  dropped = 0;
  /** Frames handed to the sink. */
  sent = 0;
  /** The most frames ever waiting at once (≤ capacity). */
  peak = 0;

  /**
   * @param capacity frames that may wait; past it the oldest go.
   * @param sinkLimitBytes the sink's own buffer may hold this much before the queue holds back.
   */
  constructor(
    readonly capacity: number,
    private readonly sinkLimitBytes: number,
  ) {}

  get length(): number {
    return this.frames.length - this.head;
  }

  push(frame: Uint8Array): void {
    this.frames.push(frame);
    if (this.length > this.capacity) {
      this.frames[this.head] = EMPTY;
      this.head++;
      this.dropped++;
    }
    // Reclaim the consumed prefix now and then instead of shifting on every frame.
    if (this.head > 64 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    this.peak = Math.max(this.peak, this.length);
  }

  /** Sends what the sink has room for, oldest first. */
  drain(sink: FrameSink): void {
    while (this.length > 0 && sink.open && sink.bufferedAmount <= this.sinkLimitBytes) {
      const frame = this.frames[this.head]!;
      this.frames[this.head] = EMPTY;
      this.head++;
      sink.send(frame);
      this.sent++;
    }
    if (this.length === 0) {
      this.frames = [];
      this.head = 0;
    }
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
  }
}

const EMPTY = new Uint8Array(0);

/** Cuts a byte stream of PCM16 into frames of `WEB_TEST_AUDIO.frameBytes`, keeping the remainder. */
export class Reframer {
  private pending = new Uint8Array(WEB_TEST_AUDIO.frameBytes);
  private filled = 0;

  /** The complete frames `chunk` finishes (copies: the chunk's memory is not kept). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(WEB_TEST_AUDIO.frameBytes - this.filled, chunk.byteLength - at);
      this.pending.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === WEB_TEST_AUDIO.frameBytes) {
        frames.push(this.pending);
        this.pending = new Uint8Array(WEB_TEST_AUDIO.frameBytes);
        this.filled = 0;
      }
    }
    return frames;
  }
}

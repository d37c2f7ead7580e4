// Playback side of the web test: the assistant's voice arrives in bursts over the network and is
// played one render quantum at a time. This small buffer absorbs the jitter between the two.
//
// - It starts (and restarts after running dry) only once `targetMs` of audio is waiting.
// - Running dry mid-word (underrun) never cuts the waveform: the last sample decays to silence over a
//   few milliseconds, and playback fades back in when audio returns.
// - Too much audio waiting (overrun: a burst after a stall) drops the oldest down to the target, so
//   the delay does not stay high; the jump is cross-faded so it makes no click.
// Memory is one fixed ring buffer.

export interface JitterBufferOptions {
  sampleRate: number;
  /** Audio waiting before playback starts. */
  targetMs?: number;
  /** Most audio ever kept; arrivals beyond it drop the oldest. */
  capacityMs?: number;
  /** Length of every fade and cross-fade. */
  fadeMs?: number;
}

export interface JitterBufferStats {
  bufferedMs: number;
  underruns: number;
  /** Samples dropped by overruns. */
  droppedSamples: number;
  playing: boolean;
}

export class JitterBuffer {
  private readonly ring: Float32Array;
  private readonly target: number;
  private readonly fade: number;
  private readonly sampleRate: number;
  private read = 0;
  private count = 0;
  private playing = false;
  private fadeIn = 0;
  /** Decay of the last played sample after running dry. */
  private tailValue = 0;
  private tailLeft = 0;
  /** What would have played next before an overrun jump, faded out under the new audio. */
  private readonly crossFrom: Float32Array;
  private crossLeft = 0;
  private underruns = 0;
  private dropped = 0;
  private lastOut = 0;

  constructor(options: JitterBufferOptions) {
    this.sampleRate = options.sampleRate;
    this.target = Math.round(((options.targetMs ?? 60) * options.sampleRate) / 1000);
    this.fade = Math.max(1, Math.round(((options.fadeMs ?? 4) * options.sampleRate) / 1000));
    const capacity = Math.round(((options.capacityMs ?? 300) * options.sampleRate) / 1000);
    this.ring = new Float32Array(Math.max(capacity, this.target + this.fade));
    this.crossFrom = new Float32Array(this.fade);
  }

  stats(): JitterBufferStats {
    return {
      bufferedMs: (this.count * 1000) / this.sampleRate,
      underruns: this.underruns,
      droppedSamples: this.dropped,
      playing: this.playing,
    };
  }

  push(samples: ArrayLike<number>): void {
    // Over capacity: drop the oldest down to the target, so a burst after a stall does not leave the
    // assistant's voice running late for the rest of the call.
    if (this.count + samples.length > this.ring.length) this.dropOldest(Math.min(this.count, this.count + samples.length - this.target));
    // Arrivals larger than the whole buffer keep only their newest part.
    const skip = Math.max(0, samples.length - this.ring.length);
    this.dropped += skip;
    for (let i = skip; i < samples.length; i++) {
      this.ring[(this.read + this.count) % this.ring.length] = samples[i]!;
      this.count++;
    }
  }

  /** Fills `out` (one render quantum) with what is due, or with silence. */
  pull(out: Float32Array): void {
    if (!this.playing && this.count >= this.target) {
      this.playing = true;
      this.fadeIn = this.fade;
    }
    for (let i = 0; i < out.length; i++) {
      if (this.playing && this.count > 0) {
        let value = this.ring[this.read]!;
        this.read = (this.read + 1) % this.ring.length;
        this.count--;
        if (this.fadeIn > 0) {
          value *= 1 - this.fadeIn / this.fade;
          this.fadeIn--;
        }
        if (this.crossLeft > 0) {
          const g = this.crossLeft / (this.fade + 1);
          value = this.crossFrom[this.fade - this.crossLeft]! * g + value * (1 - g);
          this.crossLeft--;
        }
        out[i] = value;
        this.lastOut = value;
        continue;
      }
      if (this.playing) {
        // Ran dry mid-stream: wait for the target again, and let the waveform die away meanwhile.
        this.playing = false;
        this.underruns++;
        this.crossLeft = 0;
        this.tailValue = this.lastOut;
        this.tailLeft = this.fade;
      }
      if (this.tailLeft > 0) {
        this.tailLeft--;
        out[i] = (this.tailValue * this.tailLeft) / this.fade;
      } else {
        out[i] = 0;
      }
      this.lastOut = out[i]!;
    }
  }

  /** Drops `n` of the oldest samples; while playing, the jump is cross-faded. */
  private dropOldest(n: number): void {
    if (n <= 0) return;
    if (this.playing) {
      for (let i = 0; i < this.fade; i++) this.crossFrom[i] = i < this.count ? this.ring[(this.read + i) % this.ring.length]! : 0;
      this.crossLeft = this.fade;
    }
    this.read = (this.read + n) % this.ring.length;
    this.count -= n;
    this.dropped += n;
  }
}

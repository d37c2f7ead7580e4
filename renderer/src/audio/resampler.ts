// A streaming sample-rate converter for the web test, used only when the AudioContext cannot run at
// 16 kHz (the capture then goes context rate → 16 kHz, the playback 16 kHz → context rate).
//
// Band-limited interpolation: each output sample is a windowed-sinc (Blackman) weighted sum of the
// input around its fractional position. When downsampling, the sinc's cutoff moves down to the output
// Nyquist frequency, so content the output cannot represent is removed instead of folding back as
// aliasing. The kernel is tabulated at 512 phases per input sample (timing error below −70 dB).
// Samples are emitted one by one through a callback: no allocation per render quantum.

const PHASES = 512;
/** Zero crossings of the sinc on each side (at the cutoff frequency): the filter's steepness. */
const ZERO_CROSSINGS = 12;
/** The passband ends a little below Nyquist, leaving the window room to roll off. */
const PASSBAND = 0.92;

export class StreamResampler {
  readonly passthrough: boolean;
  private readonly step: number;
  private readonly halfWidth: number;
  private readonly taps: number;
  private readonly table: Float32Array;
  /** Input history; `buffer[0]` is input sample number `base`. */
  private buffer: Float32Array;
  private length = 0;
  private base = 0;
  /** Position of the next output sample, in input samples. */
  private position = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.passthrough = inputRate === outputRate;
    this.step = inputRate / outputRate;
    const cutoff = Math.min(1, outputRate / inputRate) * PASSBAND;
    this.halfWidth = Math.ceil(ZERO_CROSSINGS / cutoff);
    this.taps = 2 * this.halfWidth;
    this.table = new Float32Array(PHASES * this.taps);
    for (let p = 0; p < PHASES; p++) {
      const fraction = p / PHASES;
      let sum = 0;
      for (let k = 0; k < this.taps; k++) {
        // Distance from the output position to input tap k (taps run halfWidth-1 before to halfWidth after).
        const t = k - (this.halfWidth - 1) - fraction;
        const x = t / this.halfWidth;
        const window = Math.abs(x) >= 1 ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
        const weight = cutoff * sinc(cutoff * t) * window;
        this.table[p * this.taps + k] = weight;
        sum += weight;
      }
      // Unity gain at DC for every phase.
      for (let k = 0; k < this.taps; k++) this.table[p * this.taps + k]! /= sum;
    }
    // The first output is centred on input sample 0; silence stands in for what came before it.
    this.buffer = new Float32Array(4096);
    this.length = this.halfWidth - 1;
    this.base = -(this.halfWidth - 1);
  }

  /** Feeds input samples; calls `emit` for every output sample they complete. */
  push(input: ArrayLike<number>, emit: (sample: number) => void): void {
    if (this.passthrough) {
      for (let i = 0; i < input.length; i++) emit(input[i]!);
      return;
    }
    this.append(input);
    const last = this.base + this.length - 1;
    // One sample of extra look-ahead: the nearest phase may belong to the next whole sample.
    while (Math.floor(this.position) + this.halfWidth + 1 <= last) {
      let whole = Math.floor(this.position);
      let phase = Math.floor((this.position - whole) * PHASES + 0.5);
      // The nearest phase may be the next whole sample's first.
      if (phase === PHASES) {
        whole++;
        phase = 0;
      }
      const start = whole - (this.halfWidth - 1) - this.base;
      const row = phase * this.taps;
      let acc = 0;
      for (let k = 0; k < this.taps; k++) acc += this.buffer[start + k]! * this.table[row + k]!;
      emit(acc);
      this.position += this.step;
    }
    this.discardConsumed();
  }

  private append(input: ArrayLike<number>): void {
    if (this.length + input.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.length + input.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    for (let i = 0; i < input.length; i++) this.buffer[this.length + i] = input[i]!;
    this.length += input.length;
  }

  /** Drops input no future output can reach. */
  private discardConsumed(): void {
    const keepFrom = Math.floor(this.position) - (this.halfWidth - 1);
    const drop = keepFrom - this.base;
    if (drop <= 0) return;
    this.buffer.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.base += drop;
  }
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

// Microphone side of the web-test worklet: render quanta (128 float samples at the context's rate) in,
// 20 ms PCM16 frames at 16 kHz out. Frames cross render-quantum boundaries freely (320 is not a multiple
// of 128); when the context runs at another rate the samples are resampled on the way.
import { FRAME_SAMPLES, PCM_SAMPLE_RATE, floatToPcm16 } from './pcm';
import { StreamResampler } from './resampler';

export class CaptureFramer {
  private frame = new Int16Array(FRAME_SAMPLES);
  private filled = 0;
  private readonly resampler: StreamResampler;
  private readonly take = (sample: number) => {
    this.frame[this.filled++] = floatToPcm16(sample);
    if (this.filled === FRAME_SAMPLES) {
      const done = this.frame;
      // A fresh buffer per frame: the finished one is transferred to another thread.
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.filled = 0;
      this.onFrame(done);
    }
  };

  constructor(
    contextRate: number,
    private readonly onFrame: (frame: Int16Array) => void,
  ) {
    this.resampler = new StreamResampler(contextRate, PCM_SAMPLE_RATE);
  }

  push(block: ArrayLike<number>): void {
    this.resampler.push(block, this.take);
  }
}

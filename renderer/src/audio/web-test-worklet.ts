// The AudioWorklet module of the web test: registers the processor whose logic is
// WebTestProcessorCore. Built by Vite as its own file (`?worker&url`) and loaded with
// `audioWorklet.addModule(url)` from the app's own origin, so the strict CSP (`script-src 'self'`)
// holds: no blob: or data: script.
import { WEB_TEST_PROCESSOR, WebTestProcessorCore } from './web-test-processor';

// The AudioWorkletGlobalScope, which TypeScript's DOM library does not describe.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class WebTestProcessor extends AudioWorkletProcessor {
  private readonly core = new WebTestProcessorCore(sampleRate, this.port);

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    return this.core.process(inputs[0]?.[0], outputs[0]?.[0]);
  }
}

registerProcessor(WEB_TEST_PROCESSOR, WebTestProcessor);

// The real browser behind a WebTestCall: getUserMedia, a 16 kHz AudioContext (the context's own rate
// where 16 kHz is refused; the worklet then resamples), the worklet module Vite emits as a separate
// same-origin file, and the window.postMessage hand-over of the relay port to main (see ipc.ts).
import workletUrl from '../audio/web-test-worklet.ts?worker&url';
import { PCM_SAMPLE_RATE } from '../audio/pcm';
import type { WebTestEnvironment } from './web-test-call';

export function browserEnvironment(): WebTestEnvironment {
  return {
    getUserMedia: (constraints) =>
      navigator.mediaDevices
        ? navigator.mediaDevices.getUserMedia(constraints)
        : Promise.reject(new TypeError('no mediaDevices in this window')),
    createAudioContext: () => {
      try {
        return new AudioContext({ sampleRate: PCM_SAMPLE_RATE, latencyHint: 'interactive' });
      } catch {
        return new AudioContext({ latencyHint: 'interactive' });
      }
    },
    createWorkletNode: (context, name, options) => new AudioWorkletNode(context, name, options),
    createChannel: () => new MessageChannel(),
    offerPort: (offer, port) => window.postMessage(offer, window.location.origin, [port]),
    workletUrl,
    randomId: () => crypto.randomUUID(),
    setTimeout: (run, ms) => window.setTimeout(run, ms),
    clearTimeout: (id) => window.clearTimeout(id),
  };
}

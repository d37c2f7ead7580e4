// What the web test and listening in share on the page's side of the web-test worklet: reading a
// level from an analyser, the wait for main's first word on the relay, and releasing the graph.
import { levelDbfs } from '../audio/pcm';
import type { ProcessorCommand } from '../audio/web-test-processor';

/** The relay answers within moments; silence this long means main never got the port. */
export const RELAY_ANSWER_TIMEOUT_MS = 10_000;

/** Level in dBFS of what an analyser sees now (−Infinity when silent or absent). */
export function analyserLevel(analyser: AnalyserNode | null, buffer: Float32Array<ArrayBuffer>): number {
  if (!analyser) return -Infinity;
  analyser.getFloatTimeDomainData(buffer);
  return levelDbfs(buffer);
}

/** Gives up when main does not answer on the relay in time; any answer stops it. */
export class RelayAnswerTimer {
  private id: number | null = null;

  constructor(private readonly timers: { setTimeout(run: () => void, ms: number): number; clearTimeout(id: number): void }) {}

  start(onSilence: () => void): void {
    this.stop();
    this.id = this.timers.setTimeout(onSilence, RELAY_ANSWER_TIMEOUT_MS);
  }

  stop(): void {
    if (this.id !== null) this.timers.clearTimeout(this.id);
    this.id = null;
  }
}

/** Detaches the worklet (its processor closes the relay port), disconnects the nodes, closes the context. */
export function releaseAudioGraph(worklet: AudioWorkletNode | null, nodes: AudioNode[], context: AudioContext | null): void {
  if (worklet) {
    worklet.port.postMessage({ type: 'detach' } satisfies ProcessorCommand);
    worklet.port.onmessage = null;
    worklet.port.close();
  }
  for (const node of nodes) node.disconnect();
  if (context && context.state !== 'closed') void context.close().catch(() => undefined);
}

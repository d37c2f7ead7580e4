// A fake browser for web-test tests: microphone tracks, an AudioContext with its nodes, the worklet's
// port and the port hand-over, each recording what was opened and released (teardown checks).
import { expect } from 'vitest';
import type { ListenPortOffer, ListenPortServerMessage, WebTestPortOffer, WebTestPortServerMessage } from '@voxanne/protocol';
import type { WebTestEnvironment } from '../src/web-test/web-test-call';

export class FakeTrack {
  enabled = true;
  stopped = false;
  stop() {
    this.stopped = true;
  }
}

class FakeNode {
  readonly connections: unknown[] = [];
  disconnected = false;
  connect(target: unknown) {
    this.connections.push(target);
    return target;
  }
  disconnect() {
    this.disconnected = true;
  }
}

class FakeAnalyser extends FakeNode {
  fftSize = 2048;
  level = 0;
  getFloatTimeDomainData(out: Float32Array) {
    out.fill(this.level);
  }
}

class FakeWorkletPort {
  readonly posted: Array<{ message: unknown; transfer: Transferable[] }> = [];
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;
  postMessage(message: unknown, transfer: Transferable[] = []) {
    this.posted.push({ message, transfer });
  }
  close() {
    this.closed = true;
  }
}

export class FakeWorkletNode extends FakeNode {
  readonly port = new FakeWorkletPort();
  /** What the processor would pass up from the relay. */
  relay(message: WebTestPortServerMessage | ListenPortServerMessage) {
    this.port.onmessage?.({ data: { type: 'relay', message } } as MessageEvent);
  }
}

export class FakeContext {
  state: AudioContextState = 'suspended';
  readonly destination = { name: 'speakers' };
  readonly sources: FakeNode[] = [];
  readonly analysers: FakeAnalyser[] = [];
  closed = false;
  loadedModules: string[] = [];
  failModule = false;
  readonly audioWorklet = {
    addModule: async (url: string) => {
      if (this.failModule) throw new DOMException('not allowed', 'AbortError');
      this.loadedModules.push(url);
    },
  };
  createMediaStreamSource() {
    const node = new FakeNode();
    this.sources.push(node);
    return node;
  }
  createAnalyser() {
    const node = new FakeAnalyser();
    this.analysers.push(node);
    return node;
  }
  async resume() {
    this.state = 'running';
  }
  async close() {
    this.closed = true;
    this.state = 'closed';
  }
}

export function fakeWebTestEnvironment(options: { getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream> } = {}) {
  const tracks: FakeTrack[] = [];
  const contexts: FakeContext[] = [];
  const worklets: FakeWorkletNode[] = [];
  const offers: Array<{ offer: WebTestPortOffer | ListenPortOffer; port: MessagePort }> = [];
  const constraints: MediaStreamConstraints[] = [];
  const timers = new Map<number, () => void>();
  let nextTimer = 1;
  const env: WebTestEnvironment = {
    getUserMedia:
      options.getUserMedia ??
      (async (c) => {
        constraints.push(c);
        const track = new FakeTrack();
        tracks.push(track);
        return { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
      }),
    createAudioContext: () => {
      const context = new FakeContext();
      contexts.push(context);
      return context as unknown as AudioContext;
    },
    createWorkletNode: () => {
      const node = new FakeWorkletNode();
      worklets.push(node);
      return node as unknown as AudioWorkletNode;
    },
    createChannel: () => ({ port1: { name: 'worklet end' }, port2: { name: 'main end' } }) as unknown as MessageChannel,
    offerPort: (offer, port) => offers.push({ offer, port }),
    workletUrl: '/assets/web-test-worklet.js',
    randomId: () => '7d3c8a52-4f0e-4c59-9a57-0e2b4d1f6a10',
    setTimeout: (run) => {
      const id = nextTimer++;
      timers.set(id, run);
      return id;
    },
    clearTimeout: (id) => void timers.delete(id),
  };
  const commands = () => worklets[0]!.port.posted.map((p) => p.message);
  /** Everything the call opened has been released. */
  const expectReleased = () => {
    for (const track of tracks) expect(track.stopped).toBe(true);
    for (const context of contexts) expect(context.closed).toBe(true);
    for (const node of [...worklets, ...contexts.flatMap((c) => [...c.sources, ...c.analysers])]) expect(node.disconnected).toBe(true);
    for (const worklet of worklets) {
      expect(worklet.port.closed).toBe(true);
      expect(worklet.port.onmessage).toBeNull();
      expect(worklet.port.posted.at(-1)?.message).toEqual({ type: 'detach' });
    }
    expect(timers.size).toBe(0);
  };
  return { env, tracks, contexts, worklets, offers, constraints, timers, commands, expectReleased };
}

/** The relay messages of a test call that connects and goes live. */
export const goLive = (worklet: FakeWorkletNode) => {
  worklet.relay({ type: 'relay-status', status: 'open', reason: null, droppedFrames: 0 });
  worklet.relay({ type: 'status', status: 'connecting' });
  worklet.relay({
    type: 'ready',
    sessionId: '0b3a4f1e-8c2d-4e5f-9a6b-7c8d9e0f1a2b',
    callId: '1c4b5a2f-9d3e-4f60-8b7c-8d9e0f1a2b3c',
    maxSeconds: 600,
  });
  worklet.relay({ type: 'status', status: 'in-progress' });
};

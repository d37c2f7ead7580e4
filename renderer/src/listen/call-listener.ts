// Listening in on one live call at the desk: an AudioContext playing the web test's worklet with no
// microphone (its playback half: the jitter buffer), fed through a port that main relays from the
// backend's `/ws/listen`. Main fetches the ticket and opens the socket; this side only offers the port
// for a call and plays what arrives. Owns every resource it opens and releases all of them when
// listening stops, fails or the card goes away.
//
//   relay port ⇄ main ⇄ backend /ws/listen
//     └→ web-test worklet (jitter buffer) → analyser (level meter) → speakers
import { LISTEN_PORT_OFFER, ListenPortServerMessageSchema, type ListenEndReason, type ListenPortServerMessage } from '@voxanne/protocol';
import { WEB_TEST_PROCESSOR, type ProcessorCommand, type ProcessorReport } from '../audio/web-test-processor';
import { RelayAnswerTimer, analyserLevel, releaseAudioGraph } from '../web-test/audio-graph';
import type { WebTestEnvironment } from '../web-test/web-test-call';

export type ListenPhase = 'idle' | 'connecting' | 'listening' | 'ended' | 'failed';

export interface ListenState {
  phase: ListenPhase;
  /** What the person at the desk should read now (why it stopped, what went wrong). */
  message: string | null;
  /** Call audio main dropped because the console could not keep up; audio the jitter buffer ran out of. */
  audio: { droppedFrames: number; underruns: number };
}

/** What listening needs from the browser: the web test's environment without the microphone. */
export type ListenEnvironment = Omit<WebTestEnvironment, 'getUserMedia'>;

export const ListenMessages = {
  connecting: 'Connecting to the call…',
  audioEngine: 'The audio engine could not start on this computer. Try again, or restart Voxanne Desk.',
  hostSilent: 'Voxanne Desk’s background service did not answer, so listening could not start. Try again.',
  connectionClosed: 'Listening stopped: the connection closed.',
} as const;

/** Endings that are not what the person asked for and not the call simply ending: shown as an alert. */
const FAILURES = new Set<ListenEndReason>(['ticket-invalid', 'ticket-reused', 'unavailable', 'server-shutdown', 'session-ended']);

const INITIAL: ListenState = { phase: 'idle', message: null, audio: { droppedFrames: 0, underruns: 0 } };

export class CallListener {
  private state: ListenState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private context: AudioContext | null = null;
  private nodes: AudioNode[] = [];
  private worklet: AudioWorkletNode | null = null;
  private analyser: AnalyserNode | null = null;
  private readonly answerTimer: RelayAnswerTimer;
  /** Bumped on every start and release, so a start that is overtaken stops where it is. */
  private generation = 0;
  private readonly levelBuffer = new Float32Array(1024);

  constructor(
    private readonly env: ListenEnvironment,
    readonly callId: string,
  ) {
    this.answerTimer = new RelayAnswerTimer(env);
  }

  getState = (): ListenState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  get active(): boolean {
    return this.state.phase === 'connecting' || this.state.phase === 'listening';
  }

  /** Call from the click itself: the AudioContext is created before any await, inside the user's gesture. */
  async start(): Promise<void> {
    if (this.active) return;
    const generation = ++this.generation;
    this.set({ ...INITIAL, phase: 'connecting', message: ListenMessages.connecting });
    try {
      const context = this.env.createAudioContext();
      this.context = context;
      await context.audioWorklet.addModule(this.env.workletUrl);
      if (generation !== this.generation) return;
      // No inputs: the processor frames no microphone and only plays what the relay brings.
      const worklet = this.env.createWorkletNode(context, WEB_TEST_PROCESSOR, {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [1],
      });
      const analyser = context.createAnalyser();
      analyser.fftSize = this.levelBuffer.length;
      worklet.connect(analyser);
      analyser.connect(context.destination);
      this.nodes = [worklet, analyser];
      this.worklet = worklet;
      this.analyser = analyser;
      worklet.port.onmessage = (event: MessageEvent) => this.fromProcessor(event.data as ProcessorReport);
      // Not awaited: opened from the tray (no click in the page) the browser may hold the context until
      // it allows sound; the relay connects meanwhile and playback starts when it does.
      if (context.state === 'suspended') void context.resume().catch(() => undefined);
    } catch {
      if (generation === this.generation) this.finish('failed', ListenMessages.audioEngine);
      return;
    }
    if (generation !== this.generation) return;
    const channel = this.env.createChannel();
    this.command({ type: 'attach-relay', port: channel.port1 }, [channel.port1]);
    this.env.offerPort({ type: LISTEN_PORT_OFFER, relayId: this.env.randomId(), callId: this.callId }, channel.port2);
    this.answerTimer.start(() => this.finish('failed', ListenMessages.hostSilent));
  }

  /** Stop: main is told (it closes the backend socket) and the audio stops at once. */
  stop(): void {
    if (!this.active) return;
    this.command({ type: 'control', message: { type: 'end' } });
    this.finish('ended', null);
  }

  /** The card goes away: everything is released; no state change is announced. */
  dispose(): void {
    if (this.active) this.command({ type: 'control', message: { type: 'end' } });
    this.release();
    this.listeners.clear();
  }

  /** The call's level in dBFS after the jitter buffer (−Infinity when silent or not playing). */
  level(): number {
    return analyserLevel(this.analyser, this.levelBuffer);
  }

  private fromProcessor(report: ProcessorReport): void {
    if (report.type === 'stats') {
      this.set({ audio: { ...this.state.audio, underruns: report.playback.underruns } });
      return;
    }
    const parsed = ListenPortServerMessageSchema.safeParse(report.message);
    if (parsed.success) this.fromRelay(parsed.data);
  }

  private fromRelay(message: ListenPortServerMessage): void {
    if (!this.active) return;
    this.answerTimer.stop();
    switch (message.type) {
      case 'relay-status':
        this.set({ audio: { ...this.state.audio, droppedFrames: message.droppedFrames } });
        // Closed before the backend said why: the ticket was refused, or the connection dropped.
        if (message.status === 'closed')
          this.finish(message.reason ? 'failed' : 'ended', message.reason ?? ListenMessages.connectionClosed);
        return;
      case 'listening':
        this.set({ phase: 'listening', message: null });
        return;
      case 'ended':
        this.finish(FAILURES.has(message.reason) ? 'failed' : 'ended', message.message);
        return;
    }
  }

  private finish(phase: 'ended' | 'failed', message: string | null): void {
    this.release();
    this.set({ phase, message });
  }

  private command(command: ProcessorCommand, transfer: Transferable[] = []): void {
    this.worklet?.port.postMessage(command, transfer);
  }

  /** Releases every resource; safe to call any number of times. */
  private release(): void {
    this.generation++;
    this.answerTimer.stop();
    releaseAudioGraph(this.worklet, this.nodes, this.context);
    this.nodes = [];
    this.worklet = this.analyser = null;
    this.context = null;
  }

  private set(patch: Partial<ListenState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

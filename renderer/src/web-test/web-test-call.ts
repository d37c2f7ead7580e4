// One web test call as the page runs it: the microphone, the AudioContext and its
// worklet, the port to main, and what the user sees (phase, transcript, messages). Owns every resource
// it opens and releases all of them (tracks, nodes, ports, the context, timers) when the call ends,
// fails or the panel goes away.
//
//   getUserMedia → MediaStreamSource ─┬→ input analyser (level meter)
//                                     └→ web-test worklet ⇄ relay port ⇄ main ⇄ backend /ws/web-test
//                                           └→ output analyser (level meter) → speakers
import {
  WEB_TEST_PORT_OFFER,
  WebTestPortServerMessageSchema,
  type ListenPortOffer,
  type WebTestPortOffer,
  type WebTestPortServerMessage,
} from '@voxanne/protocol';
import { RelayAnswerTimer, analyserLevel, releaseAudioGraph } from './audio-graph';
import { WEB_TEST_PROCESSOR, type ProcessorCommand, type ProcessorReport } from '../audio/web-test-processor';

export type WebTestPhase = 'idle' | 'starting' | 'connecting' | 'live' | 'ended' | 'failed';

export interface TranscriptLine {
  id: number;
  speaker: 'caller' | 'assistant';
  text: string;
  final: boolean;
}

export interface WebTestState {
  phase: WebTestPhase;
  /** What the user should read now (progress, why it ended, what went wrong). */
  message: string | null;
  muted: boolean;
  transcript: TranscriptLine[];
  /** The stored test call, once the backend has it. */
  callId: string | null;
  maxSeconds: number | null;
  /** When the call went live (ms since epoch). */
  liveSince: number | null;
  /** Microphone frames main had to drop; assistant audio the jitter buffer ran out of. */
  audio: { framesSent: number; droppedFrames: number; underruns: number };
}

export interface StartOptions {
  /** A specific microphone, or the system default. */
  deviceId: string | null;
  /** Echo cancellation, noise suppression and automatic gain. */
  voiceProcessing: boolean;
}

/** What the call needs from the browser; tests pass fakes. */
export interface WebTestEnvironment {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createAudioContext(): AudioContext;
  createWorkletNode(context: AudioContext, name: string, options: AudioWorkletNodeOptions): AudioWorkletNode;
  createChannel(): MessageChannel;
  /** Hands main the port (window.postMessage with the port transferred); the listen-in player uses it too. */
  offerPort(offer: WebTestPortOffer | ListenPortOffer, port: MessagePort): void;
  workletUrl: string;
  randomId(): string;
  setTimeout(run: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export { RELAY_ANSWER_TIMEOUT_MS } from './audio-graph';

export const Messages = {
  askingForMicrophone: 'Asking for the microphone…',
  connecting: 'Connecting to the assistant…',
  live: 'Live: talk to the assistant.',
  microphoneDenied:
    'Voxanne Desk is not allowed to use the microphone. Allow microphone access (in the system’s privacy settings or the browser’s site settings) and try again.',
  microphoneMissing: 'No microphone was found. Plug one in, or choose another one in the list, and try again.',
  microphoneBusy: 'The microphone is in use by another app or is not working. Close the other app and try again.',
  microphoneUnavailable: 'This window cannot use a microphone.',
  audioEngine: 'The audio engine could not start on this computer. Try again, or restart Voxanne Desk.',
  hostSilent: 'Voxanne Desk’s background service did not answer, so the test could not start. Try again.',
  connectionClosed: 'The connection to the assistant closed.',
} as const;

/** Endings the user should read as something having gone wrong (shown as an alert). */
const FAILURES = new Set<string>(['provider-refused', 'provider-error', 'rate-limited']);

const INITIAL: WebTestState = {
  phase: 'idle',
  message: null,
  muted: false,
  transcript: [],
  callId: null,
  maxSeconds: null,
  liveSince: null,
  audio: { framesSent: 0, droppedFrames: 0, underruns: 0 },
};

export class WebTestCall {
  private state: WebTestState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private stream: MediaStream | null = null;
  private context: AudioContext | null = null;
  private nodes: AudioNode[] = [];
  private worklet: AudioWorkletNode | null = null;
  private inputAnalyser: AnalyserNode | null = null;
  private outputAnalyser: AnalyserNode | null = null;
  private readonly answerTimer: RelayAnswerTimer;
  private nextLineId = 1;
  /** Bumped on every start and release, so a start that is overtaken stops where it is. */
  private generation = 0;
  private readonly levelBuffer = new Float32Array(1024);

  constructor(private readonly env: WebTestEnvironment) {
    this.answerTimer = new RelayAnswerTimer(env);
  }

  getState = (): WebTestState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  get active(): boolean {
    return this.state.phase === 'starting' || this.state.phase === 'connecting' || this.state.phase === 'live';
  }

  async start(options: StartOptions): Promise<void> {
    if (this.active) return;
    const generation = ++this.generation;
    this.nextLineId = 1;
    this.set({ ...INITIAL, phase: 'starting', message: Messages.askingForMicrophone });

    let stream: MediaStream;
    try {
      stream = await this.env.getUserMedia({
        audio: {
          ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
          channelCount: 1,
          echoCancellation: options.voiceProcessing,
          noiseSuppression: options.voiceProcessing,
          autoGainControl: options.voiceProcessing,
        },
      });
    } catch (error) {
      if (generation === this.generation) this.fail(microphoneProblem(error));
      return;
    }
    if (generation !== this.generation) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.stream = stream;

    try {
      const context = this.env.createAudioContext();
      this.context = context;
      await context.audioWorklet.addModule(this.env.workletUrl);
      if (generation !== this.generation) return;
      const source = context.createMediaStreamSource(stream);
      const worklet = this.env.createWorkletNode(context, WEB_TEST_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      const inputAnalyser = context.createAnalyser();
      const outputAnalyser = context.createAnalyser();
      inputAnalyser.fftSize = outputAnalyser.fftSize = this.levelBuffer.length;
      source.connect(inputAnalyser);
      source.connect(worklet);
      worklet.connect(outputAnalyser);
      outputAnalyser.connect(context.destination);
      this.nodes = [source, worklet, inputAnalyser, outputAnalyser];
      this.worklet = worklet;
      this.inputAnalyser = inputAnalyser;
      this.outputAnalyser = outputAnalyser;
      worklet.port.onmessage = (event: MessageEvent) => this.fromProcessor(event.data as ProcessorReport);
      if (context.state === 'suspended') await context.resume();
    } catch {
      if (generation === this.generation) this.fail(Messages.audioEngine);
      return;
    }

    const channel = this.env.createChannel();
    this.command({ type: 'attach-relay', port: channel.port1 }, [channel.port1]);
    this.env.offerPort({ type: WEB_TEST_PORT_OFFER, relayId: this.env.randomId() }, channel.port2);
    this.command({ type: 'control', message: { type: 'start' } });
    this.set({ phase: 'connecting', message: Messages.connecting });
    this.answerTimer.start(() => this.fail(Messages.hostSilent));
  }

  setMuted(muted: boolean): void {
    if (!this.active) return;
    // The track itself goes quiet too, so nothing of the room is even captured.
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
    this.command({ type: 'control', message: { type: 'mute', muted } });
    this.set({ muted });
  }

  /** The user hangs up: the backend is told, and the microphone is released at once. */
  end(): void {
    if (!this.active) return;
    this.command({ type: 'control', message: { type: 'end' } });
    this.release();
    this.set({ phase: 'ended', message: null });
  }

  /** The panel goes away: everything is released; no state change is announced. */
  dispose(): void {
    if (this.active) this.command({ type: 'control', message: { type: 'end' } });
    this.release();
    this.listeners.clear();
  }

  /** Microphone and assistant levels in dBFS, for the meters (−Infinity when silent or not running). */
  levels(): { input: number; output: number } {
    return { input: analyserLevel(this.inputAnalyser, this.levelBuffer), output: analyserLevel(this.outputAnalyser, this.levelBuffer) };
  }

  private fromProcessor(report: ProcessorReport): void {
    if (report.type === 'stats') {
      this.set({ audio: { ...this.state.audio, framesSent: report.framesSent, underruns: report.playback.underruns } });
      return;
    }
    const parsed = WebTestPortServerMessageSchema.safeParse(report.message);
    if (parsed.success) this.fromRelay(parsed.data);
  }

  private fromRelay(message: WebTestPortServerMessage): void {
    if (!this.active) return;
    this.answerTimer.stop();
    switch (message.type) {
      case 'relay-status':
        this.set({ audio: { ...this.state.audio, droppedFrames: message.droppedFrames } });
        // A relay closing before the backend said why: the connection dropped or was refused.
        if (message.status === 'closed') this.finish(message.reason ? 'failed' : 'ended', message.reason ?? Messages.connectionClosed);
        return;
      case 'ready':
        this.set({ callId: message.callId, maxSeconds: message.maxSeconds });
        return;
      case 'status':
        if (message.status === 'in-progress' && this.state.phase !== 'live')
          this.set({ phase: 'live', message: Messages.live, liveSince: Date.now() });
        return;
      case 'transcript':
        this.set({ transcript: this.withTranscript(message.speaker, message.text, message.transcriptType === 'final') });
        return;
      case 'ended':
        this.finish(FAILURES.has(message.reason) ? 'failed' : 'ended', message.message);
        return;
      case 'error':
        this.set({ message: message.message });
        return;
    }
  }

  /** A partial updates the speaker's line in progress; a final settles it. */
  private withTranscript(speaker: TranscriptLine['speaker'], text: string, final: boolean): TranscriptLine[] {
    const lines = this.state.transcript;
    const open = lines.findLastIndex((l) => l.speaker === speaker && !l.final);
    if (open >= 0) return lines.map((l, i) => (i === open ? { ...l, text, final } : l));
    return [...lines, { id: this.nextLineId++, speaker, text, final }];
  }

  private finish(phase: 'ended' | 'failed', message: string | null): void {
    this.release();
    this.set({ phase, message });
  }

  private fail(message: string): void {
    this.finish('failed', message);
  }

  private command(command: ProcessorCommand, transfer: Transferable[] = []): void {
    this.worklet?.port.postMessage(command, transfer);
  }

  /** Releases every resource the call holds; safe to call any number of times. */
  private release(): void {
    this.generation++;
    this.answerTimer.stop();
    releaseAudioGraph(this.worklet, this.nodes, this.context);
    this.nodes = [];
    this.worklet = this.inputAnalyser = this.outputAnalyser = null;
    this.context = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }

  private set(patch: Partial<WebTestState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/** What a getUserMedia failure means to the person at the desk. */
export function microphoneProblem(error: unknown): string {
  const name =
    error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
      ? String((error as { name: unknown }).name)
      : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return Messages.microphoneDenied;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return Messages.microphoneMissing;
    case 'NotReadableError':
    case 'AbortError':
      return Messages.microphoneBusy;
    case 'TypeError':
      return Messages.microphoneUnavailable;
    default:
      return Messages.microphoneBusy;
  }
}

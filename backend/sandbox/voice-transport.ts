// The sandbox's `vapi.websocket` transport: what a web-test call's `transport.websocketCallUrl` points
// at. Like Vapi's, one socket per call carries raw PCM16 (16 kHz mono) both ways as binary messages
// and JSON messages as text (`{"type":"hangup"}` from the client; transcripts, speech and status
// updates to it). The assistant here answers like one: it greets, detects the caller's speech by
// energy, replies once the caller has paused, and speaks audible synthesized audio paced in real time.
// The call's lifecycle goes to the backend as signed webhooks (status updates, transcripts, the
// end-of-call report) through the same delivery the scripted calls use, so a web test is stored and
// streamed to the consoles exactly like a phone call.
//
// There is no speech recognition offline: the caller's turns are transcribed as what the sandbox
// knows, e.g. "[speech, 1.8 s]", never as invented words.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../src/logging/logger.js';
import type { AssistantVoice } from './assistant-voice.js';
import type { CallSimulator, SpokenMessage } from './call-simulator.js';
import type { SandboxCall, SandboxState } from './sandbox-state.js';
import { DEFAULT_SPEECH_DETECTOR, ReceivedLevel, SpeechDetector, pcm16Samples } from './speech-detector.js';
import type { WebhookDelivery } from './webhook-delivery.js';

const PATH = /^\/vapi\/([0-9a-f-]{36})\/transport$/;
const FRAME_SAMPLES = 320;
const FRAME_MS = 20;
/** The largest audio message accepted from a client (Vapi takes chunks of any size; 1 s is plenty). */
const MAX_MESSAGE_BYTES = 32_000;
/** A created call whose socket never connects ends unanswered after this long. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Vapi's own ceiling when the assistant sets none. */
const DEFAULT_MAX_CALL_SECONDS = 1_800;
/** Shorter bursts (a cough, a knock on the desk) are not a turn. */
const MIN_TURN_MS = 200;
/** Ended calls whose figures stay readable; older ones are forgotten (memory stays flat). */
const KEPT_ENDED_CALLS = 100;

const DEFAULT_GREETING = 'Hello, you’re through to the clinic. How can I help?';
const REPLIES = [
  'Thanks, I heard you. I can help with appointments, opening hours and questions about the clinic.',
  'Of course. In a real call I would look that up for you and book it straight away.',
  'Is there anything else I can help you with today?',
];

export interface VoiceTransportDeps {
  state: SandboxState;
  simulator: CallSimulator;
  delivery: WebhookDelivery;
  voice: AssistantVoice;
  logger: Logger;
}

/** What one call's transport saw: what the tests and the control API report. */
export interface VoiceCallStats {
  callId: string;
  status: SandboxCall['status'];
  connected: boolean;
  endedReason: string | null;
  framesReceived: number;
  bytesReceived: number;
  malformedMessages: number;
  /** Received frames that carried sound (above the detector's threshold). */
  soundFrames: number;
  /** RMS (PCM16 units) over the received frames that carried sound. */
  soundRms: number;
  overallRms: number;
  callerTurns: number;
  assistantTurns: number;
  assistantFramesSent: number;
  voice: AssistantVoice['kind'];
}

export type FrameListener = (callId: string, frame: Uint8Array) => void;

export class VoiceTransport {
  private readonly calls = new Map<string, VoiceCall>();
  private readonly frameListeners = new Set<FrameListener>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES });
  private closing = false;

  constructor(private readonly deps: VoiceTransportDeps) {}

  /** A `vapi.websocket` call was created: it waits for its socket. */
  accept(call: SandboxCall): void {
    this.calls.set(call.id, new VoiceCall(call, this.deps, (callId, frame) => this.frameListeners.forEach((l) => l(callId, frame))));
    this.forgetOldCalls();
  }

  /** Takes an upgrade on a transport path; false when the path is not one (the caller answers it). */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const match = PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match) return false;
    socket.on('error', () => undefined);
    const call = this.calls.get(match[1]!);
    const refusal = this.closing ? '503 Service Unavailable' : !call ? '404 Not Found' : !call.connectable ? '409 Conflict' : null;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => call!.connect(ws));
    return true;
  };

  stats(callId: string): VoiceCallStats | undefined {
    return this.calls.get(callId)?.stats();
  }

  /** Every websocket call so far, oldest first. */
  list(): VoiceCallStats[] {
    return [...this.calls.values()].map((c) => c.stats());
  }

  /** Every audio frame a call receives, as it arrives (the web-test bench times frames with this). */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => void this.frameListeners.delete(listener);
  }

  private forgetOldCalls(): void {
    let ended = [...this.calls.values()].filter((c) => c.hasEnded).length;
    for (const [id, call] of this.calls) {
      if (ended <= KEPT_ENDED_CALLS) break;
      if (!call.hasEnded) continue;
      this.calls.delete(id);
      ended--;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.calls.values()].map((c) => c.end('worker-shutdown')));
    this.wss.close();
  }
}

interface Utterance {
  samples: Int16Array;
  offset: number;
  done: () => void;
}

class VoiceCall {
  private ws: WebSocket | null = null;
  private ended: Promise<void> | null = null;
  private readonly detector = new SpeechDetector(DEFAULT_SPEECH_DETECTOR);
  private readonly level = new ReceivedLevel(DEFAULT_SPEECH_DETECTOR.thresholdDbfs);
  private readonly spoken: SpokenMessage[] = [];
  private readonly queue: Utterance[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private playbackTimer: NodeJS.Timeout | null = null;
  private playbackStart = 0;
  private framesPlayed = 0;
  private webhooks: Promise<unknown> = Promise.resolve();
  private replies = 0;
  private speaking = false;
  private malformed = 0;
  private callerTurns = 0;
  private framesSent = 0;
  private readonly log: Logger;

  constructor(
    private readonly call: SandboxCall,
    private readonly deps: VoiceTransportDeps,
    private readonly onFrame: FrameListener,
  ) {
    this.log = deps.logger.child({ callId: call.id });
    this.later(CONNECT_TIMEOUT_MS, () => void this.end('customer-did-not-answer'));
  }

  get hasEnded(): boolean {
    return this.ended !== null;
  }

  get connectable(): boolean {
    return this.ws === null && this.ended === null;
  }

  connect(ws: WebSocket): void {
    this.ws = ws;
    this.clearTimers();
    const assistant = this.call.assistantId ? this.deps.state.assistants.get(this.call.assistantId) : undefined;
    const maxSeconds = typeof assistant?.maxDurationSeconds === 'number' ? assistant.maxDurationSeconds : DEFAULT_MAX_CALL_SECONDS;
    this.later(maxSeconds * 1000, () => void this.end('exceeded-max-duration'));
    ws.on('message', (data, isBinary) => this.received(data as Buffer, isBinary));
    ws.on('close', () => void this.end('customer-ended-call'));
    ws.on('error', (error) => this.log.debug({ err: error }, 'voice transport socket error'));

    this.call.startedAt = new Date().toISOString();
    this.webhook(() => this.deps.simulator.setStatus(this.call, 'in-progress'));
    this.sendJson({ type: 'status-update', status: 'in-progress' });
    void this.say(assistant?.firstMessage ?? DEFAULT_GREETING);
  }

  stats(): VoiceCallStats {
    return {
      callId: this.call.id,
      status: this.call.status,
      connected: this.ws !== null,
      endedReason: this.call.endedReason ?? null,
      framesReceived: this.level.frames,
      bytesReceived: this.level.bytes,
      malformedMessages: this.malformed,
      soundFrames: this.level.soundFrames,
      soundRms: this.level.soundRms,
      overallRms: this.level.overallRms,
      callerTurns: this.callerTurns,
      assistantTurns: this.spoken.filter((m) => m.role === 'bot').length,
      assistantFramesSent: this.framesSent,
      voice: this.deps.voice.kind,
    };
  }

  /** Ends the call once: stops the audio, tells the backend (ended + report), closes the socket. */
  end(reason: string): Promise<void> {
    this.ended ??= (async () => {
      this.clearTimers();
      this.stopPlayback();
      this.sendJson({ type: 'status-update', status: 'ended', endedReason: reason });
      this.ws?.close(1000, 'call ended');
      const callerTurns = this.callerTurns;
      const replies = this.spoken.filter((m) => m.role === 'bot').length;
      await this.webhooks;
      await this.deps.simulator.finish(
        this.call,
        reason,
        this.spoken,
        { summary: `Web test: the caller spoke ${callerTurns} time(s) and the assistant answered ${replies} time(s).`, category: 'other' },
        undefined,
      );
    })();
    return this.ended;
  }

  private received(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    if (!isBinary) {
      let message: unknown;
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch {
        this.malformed++;
        return;
      }
      if ((message as { type?: unknown } | null)?.type === 'hangup') void this.end('customer-ended-call');
      return;
    }
    if (data.byteLength === 0 || data.byteLength % 2 !== 0) {
      this.malformed++;
      return;
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.onFrame(this.call.id, bytes);
    const samples = pcm16Samples(bytes);
    // Clients may send any chunk size; the detector and the level figures work in 20 ms frames.
    for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
      const frame = samples.subarray(at, Math.min(samples.length, at + FRAME_SAMPLES));
      this.level.add(frame, frame.byteLength);
      const event = this.detector.push(frame);
      if (event?.type === 'speech-started') {
        this.sendJson({ type: 'speech-update', status: 'started', role: 'user' });
        this.transcript('user', 'partial', '[speech…]');
      } else if (event?.type === 'speech-ended' && event.speechMs >= MIN_TURN_MS) {
        this.callerSpoke(event.speechMs);
      }
    }
  }

  private callerSpoke(speechMs: number): void {
    this.callerTurns++;
    const text = `[speech, ${(speechMs / 1000).toFixed(1)} s]`;
    const now = Date.now();
    this.sendJson({ type: 'speech-update', status: 'stopped', role: 'user' });
    this.transcript('user', 'final', text);
    this.remember('user', text, now - speechMs, now);
    // Talked over while speaking: the assistant finishes its line rather than stacking up replies.
    if (!this.speaking) void this.say(REPLIES[this.replies++ % REPLIES.length]!);
  }

  /** The assistant speaks a line: speech update, partial then final transcript, audio in real time. */
  private async say(text: string): Promise<void> {
    this.speaking = true;
    try {
      await this.speakLine(text);
    } finally {
      this.speaking = false;
    }
  }

  private async speakLine(text: string): Promise<void> {
    const samples = await this.deps.voice.speak(text);
    if (this.ended) return;
    const started = Date.now();
    this.sendJson({ type: 'speech-update', status: 'started', role: 'assistant' });
    const words = text.split(/\s+/);
    const durationMs = (samples.length / FRAME_SAMPLES) * FRAME_MS;
    this.later(durationMs * 0.4, () =>
      this.transcript('assistant', 'partial', words.slice(0, Math.max(1, Math.round(words.length * 0.4))).join(' ')),
    );
    await new Promise<void>((resolve) => this.play(samples, resolve));
    if (this.ended) return;
    this.sendJson({ type: 'speech-update', status: 'stopped', role: 'assistant' });
    this.transcript('assistant', 'final', text);
    this.remember('bot', text, started, Date.now());
  }

  private remember(role: SpokenMessage['role'], message: string, time: number, endTime: number): void {
    const callStart = this.call.startedAt ? Date.parse(this.call.startedAt) : time;
    this.spoken.push({
      role,
      message,
      time,
      endTime,
      secondsFromStart: Math.max(0, (time - callStart) / 1000),
      duration: (endTime - time) / 1000,
    });
  }

  private transcript(role: 'user' | 'assistant', transcriptType: 'partial' | 'final', transcript: string): void {
    const message = { type: 'transcript', role, transcriptType, transcript };
    this.sendJson(message);
    this.webhook(() => this.deps.delivery.send(this.call, message));
  }

  // --- audio out, paced in real time (a drift-free 20 ms clock) -----------------------------------

  private play(samples: Int16Array, done: () => void): void {
    this.queue.push({ samples, offset: 0, done });
    if (this.playbackTimer) return;
    this.playbackStart = performance.now();
    this.framesPlayed = 0;
    this.tick();
  }

  private tick(): void {
    this.playbackTimer = null;
    const due = Math.floor((performance.now() - this.playbackStart) / FRAME_MS) + 1;
    while (this.framesPlayed < due && this.queue.length > 0) {
      const current = this.queue[0]!;
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(current.samples.subarray(current.offset, current.offset + FRAME_SAMPLES));
      current.offset += FRAME_SAMPLES;
      this.framesPlayed++;
      if (this.isOpen()) {
        this.ws!.send(new Uint8Array(frame.buffer), { binary: true });
        this.framesSent++;
      }
      if (current.offset >= current.samples.length) {
        this.queue.shift();
        current.done();
      }
    }
    if (this.queue.length === 0 || this.ended) return;
    const next = this.playbackStart + this.framesPlayed * FRAME_MS;
    this.playbackTimer = setTimeout(() => this.tick(), Math.max(0, next - performance.now()));
  }

  private stopPlayback(): void {
    if (this.playbackTimer) clearTimeout(this.playbackTimer);
    this.playbackTimer = null;
    for (const utterance of this.queue.splice(0)) utterance.done();
  }

  // --- plumbing -----------------------------------------------------------------------------------

  private isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  private sendJson(message: Record<string, unknown>): void {
    if (this.isOpen()) this.ws!.send(JSON.stringify(message));
  }

  /** Webhooks go out one after another, in the order things happened. */
  private webhook(send: () => Promise<unknown>): void {
    this.webhooks = this.webhooks.then(send, send);
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

// The sandbox's stand-in for Vapi's live listen socket (`call.monitor.listenUrl`): each simulated phone
// call whose assistant enables listening (`monitorPlan.listenEnabled`) gets a loopback WebSocket URL
// with an unguessable path. Whoever connects receives the call's audio as Vapi streams it: binary
// frames of raw PCM, signed 16-bit little-endian, 16 kHz, two interleaved channels (the caller on the
// first, the assistant on the second), paced in real time, 20 ms a frame; silence between lines.
// The voices are the sandbox's own (espeak-ng, or its formant synthesizer). The socket closes when
// the call ends.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AssistantVoice } from './assistant-voice.js';
import type { SandboxCall, SandboxState } from './sandbox-state.js';

export const LISTEN_SAMPLE_RATE = 16_000;
export const LISTEN_CHANNELS = 2;
const FRAME_SAMPLES = 320;
/** Bytes of one 20 ms stereo frame. */
export const LISTEN_FRAME_BYTES = FRAME_SAMPLES * LISTEN_CHANNELS * 2;
const PATH = /^\/call-listen\/([\w-]+)\/([0-9a-f]{48})\/listen$/;

interface ListenedCall {
  token: string;
  sockets: Set<WebSocket>;
  /** What each side still has to say, in 16 kHz mono samples, and how far it got. */
  voices: Array<{ channel: 0 | 1; samples: Int16Array; at: number }>;
  timer: NodeJS.Timeout | undefined;
  startedAt: number;
  framesSent: number;
}

export class SandboxCallListens {
  private readonly calls = new Map<string, ListenedCall>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  /** Frames sent on every listen socket (the bench reads it). */
  framesSent = 0;
  /**
   * Benches: each frame carries its sequence number in its first three samples (one byte each, on
   * both channels, so a mix-down keeps it; far below speech level) and is reported as it leaves.
   */
  onFrameSent: ((callId: string, seq: number) => void) | undefined;
  private seq = 0;

  constructor(
    private readonly state: SandboxState,
    private readonly baseUrl: () => string,
    private readonly voice: AssistantVoice,
  ) {}

  /** Gives a phone call its listen URL when its assistant enables listening. */
  attach(call: SandboxCall): void {
    if (this.calls.has(call.id)) return;
    const assistant = call.assistantId ? this.state.assistants.get(call.assistantId) : undefined;
    const plan = assistant?.monitorPlan as { listenEnabled?: unknown } | undefined;
    if (plan?.listenEnabled !== true) return;
    const token = randomBytes(24).toString('hex');
    this.calls.set(call.id, { token, sockets: new Set(), voices: [], timer: undefined, startedAt: 0, framesSent: 0 });
    const base = new URL(this.baseUrl());
    call.monitor = { ...call.monitor, listenUrl: `ws://${base.host}/call-listen/${call.id}/${token}/listen` };
  }

  /** A line is being spoken on the call: its audio goes out on the side's channel from now on. */
  speak(callId: string, role: 'assistant' | 'user', text: string): void {
    const listened = this.calls.get(callId);
    if (!listened || listened.sockets.size === 0) return;
    void this.voice.speak(text).then(
      (samples) => listened.voices.push({ channel: role === 'user' ? 0 : 1, samples, at: 0 }),
      () => undefined,
    );
  }

  /** The call ended: its listeners are closed and its URL refuses from now on. */
  forget(callId: string): void {
    const listened = this.calls.get(callId);
    if (!listened) return;
    this.calls.delete(callId);
    if (listened.timer) clearInterval(listened.timer);
    for (const ws of listened.sockets) ws.close(1000, 'call ended');
  }

  /** Takes an upgrade on a listen path; false when the path is not one. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const match = PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match) return false;
    socket.on('error', () => undefined);
    const listened = this.calls.get(match[1]!);
    if (!listened || listened.token !== match[2]) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      listened.sockets.add(ws);
      ws.once('close', () => {
        listened.sockets.delete(ws);
        if (listened.sockets.size === 0 && listened.timer) {
          clearInterval(listened.timer);
          listened.timer = undefined;
        }
      });
      if (!listened.timer) this.pace(listened);
    });
    return true;
  };

  /** Sends one frame per 20 ms of wall time (catching up after a late timer, as a real stream would). */
  private pace(listened: ListenedCall): void {
    listened.startedAt = performance.now();
    listened.framesSent = 0;
    listened.timer = setInterval(() => {
      const due = Math.floor((performance.now() - listened.startedAt) / 20) + 1;
      // A stalled process does not burst seconds of audio: at most 5 frames behind.
      if (due - listened.framesSent > 5) listened.framesSent = due - 5;
      while (listened.framesSent < due) {
        const frame = this.mix(listened);
        if (this.onFrameSent) {
          const seq = ++this.seq & 0xffffff;
          for (let i = 0; i < 3; i++) {
            const byte = (seq >> (8 * i)) & 0xff;
            frame.writeInt16LE(byte, i * LISTEN_CHANNELS * 2);
            frame.writeInt16LE(byte, (i * LISTEN_CHANNELS + 1) * 2);
          }
          this.onFrameSent(callIdOf(this.calls, listened), seq);
        }
        listened.framesSent++;
        for (const ws of listened.sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
        this.framesSent++;
      }
    }, 20);
  }

  private mix(listened: ListenedCall): Buffer {
    const frame = Buffer.alloc(LISTEN_FRAME_BYTES);
    for (const voice of listened.voices) {
      for (let i = 0; i < FRAME_SAMPLES && voice.at < voice.samples.length; i++, voice.at++) {
        frame.writeInt16LE(voice.samples[voice.at]!, (i * LISTEN_CHANNELS + voice.channel) * 2);
      }
    }
    listened.voices = listened.voices.filter((v) => v.at < v.samples.length);
    return frame;
  }

  close(): void {
    this.onFrameSent = undefined;
    for (const id of [...this.calls.keys()]) this.forget(id);
    this.wss.close();
  }
}

function callIdOf(calls: Map<string, ListenedCall>, listened: ListenedCall): string {
  for (const [id, entry] of calls) if (entry === listened) return id;
  return '';
}

// A real WebSocket client of `/ws/web-test` for integration tests (the `ws` package, as the desktop
// main process's relay uses). Server JSON is checked against the protocol schema; binary frames (the
// assistant's voice) are kept as PCM16 so tests can measure them.
import { WebSocket } from 'ws';
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LIVE_PROTOCOL,
  WEB_TEST_AUDIO,
  WEB_TEST_SOCKET_PATH,
  WebTestServerMessageSchema,
  type WebTestClientMessage,
  type WebTestServerMessage,
} from '@voxanne/protocol';

export type WebTestMessageOf<T extends WebTestServerMessage['type']> = Extract<WebTestServerMessage, { type: T }>;

export function webTestUrl(baseUrl: string, query = ''): string {
  const url = new URL(WEB_TEST_SOCKET_PATH, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${url.toString()}${query}`;
}

export class WebTestClient {
  readonly messages: WebTestServerMessage[] = [];
  /** Every binary frame received, as samples. */
  readonly audio: Int16Array[] = [];
  readonly frameSizes = new Set<number>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) {
        this.frameSizes.add(bytes.byteLength);
        this.audio.push(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
      } else {
        this.messages.push(WebTestServerMessageSchema.parse(JSON.parse(bytes.toString('utf8'))));
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
  }

  send(message: WebTestClientMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendFrame(samples: Int16Array): void {
    this.ws.send(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), { binary: true });
  }

  /** Sends frames paced in real time (every 20 ms), as a microphone would. */
  async speak(frames: Int16Array[]): Promise<void> {
    const start = performance.now();
    for (let i = 0; i < frames.length; i++) {
      const due = start + i * WEB_TEST_AUDIO.frameMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.sendFrame(frames[i]!);
    }
  }

  /** The first message of a type matching `where` (waits for it). */
  async next<T extends WebTestServerMessage['type']>(
    type: T,
    where: (m: WebTestMessageOf<T>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<WebTestMessageOf<T>> {
    return this.until(
      () => this.messages.find((m): m is WebTestMessageOf<T> => m.type === type && where(m as WebTestMessageOf<T>)),
      timeoutMs,
      `a "${type}" message`,
    );
  }

  async until<T>(probe: () => T | undefined, timeoutMs = 15_000, what = 'a condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  transcripts(): Array<WebTestMessageOf<'transcript'>> {
    return this.messages.filter((m): m is WebTestMessageOf<'transcript'> => m.type === 'transcript');
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    await this.closed;
  }
}

export async function openWebTestClient(
  baseUrl: string,
  accessToken: string,
  protocols = [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + accessToken],
): Promise<WebTestClient> {
  const ws = new WebSocket(webTestUrl(baseUrl), protocols, { perMessageDeflate: false });
  const client = new WebTestClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return client;
}

/** The HTTP status an upgrade is refused with (101 if it was accepted after all). */
export function refusedWebTestUpgrade(
  baseUrl: string,
  protocols: string[],
  options: { headers?: Record<string, string>; query?: string } = {},
): Promise<number> {
  const ws = new WebSocket(webTestUrl(baseUrl, options.query), protocols, { headers: options.headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

/** `count` 20 ms frames of a sine at `frequency` Hz with peak `amplitude` (RMS = amplitude/√2). */
export function toneFrames(count: number, amplitude: number, frequency = 440): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let f = 0; f < count; f++) {
    const frame = new Int16Array(WEB_TEST_AUDIO.frameSamples);
    for (let i = 0; i < frame.length; i++) {
      const n = f * WEB_TEST_AUDIO.frameSamples + i;
      frame[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * n) / WEB_TEST_AUDIO.sampleRate));
    }
    frames.push(frame);
  }
  return frames;
}

export function silentFrames(count: number): Int16Array[] {
  return Array.from({ length: count }, () => new Int16Array(WEB_TEST_AUDIO.frameSamples));
}

export function rmsOfFrames(frames: Int16Array[]): number {
  let sum = 0;
  let n = 0;
  for (const frame of frames)
    for (const s of frame) {
      sum += s * s;
      n++;
    }
  return n === 0 ? 0 : Math.sqrt(sum / n);
}

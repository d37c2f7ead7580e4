import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../src/logging/logger.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import { DEFAULT_SPEECH_DETECTOR, ReceivedLevel, SpeechDetector, dbfsOf, pcm16Samples, rmsOf } from './speech-detector.js';
import { FormantVoice, VOICE_SAMPLE_RATE } from './assistant-voice.js';

function tone(frames: number, amplitude: number): Int16Array[] {
  return Array.from({ length: frames }, (_, f) =>
    Int16Array.from({ length: 320 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 300 * (f * 320 + i)) / 16_000))),
  );
}
const quiet = (frames: number) => Array.from({ length: frames }, () => new Int16Array(320));

describe('sandbox assistant: hearing the caller by energy', () => {
  it('starts speech after a few loud frames and ends it after the end-of-turn pause', () => {
    const detector = new SpeechDetector();
    const events = [...quiet(10), ...tone(50, 3000), ...quiet(40)]
      .map((f) => detector.push(f))
      .map((e, i) => (e ? `${i}:${e.type}:${'speechMs' in e ? e.speechMs : ''}` : null))
      .filter(Boolean);
    // Onset on the 3rd loud frame (index 12); the turn ends 35 quiet frames after the last loud one.
    expect(events).toEqual(['12:speech-started:', '94:speech-ended:1000']);
  });

  it('does not take a click or a short knock for speech, and a short breath does not end a turn', () => {
    const detector = new SpeechDetector();
    const clicks = [...tone(2, 20_000), ...quiet(5), ...tone(2, 20_000), ...quiet(5)].map((f) => detector.push(f));
    expect(clicks.every((e) => e === null)).toBe(true);
    const turn = [...tone(20, 3000), ...quiet(20), ...tone(20, 3000), ...quiet(36)].map((f) => detector.push(f)).filter(Boolean);
    expect(turn).toEqual([{ type: 'speech-started' }, { type: 'speech-ended', speechMs: 1200 }]);
  });

  it('measures levels the way a microphone comparison needs: RMS over the frames that carried sound', () => {
    const level = new ReceivedLevel(DEFAULT_SPEECH_DETECTOR.thresholdDbfs);
    for (const f of [...quiet(30), ...tone(30, 8000)]) level.add(f, f.byteLength);
    expect(level.frames).toBe(60);
    expect(level.soundFrames).toBe(30);
    expect(level.soundRms).toBeCloseTo(8000 / Math.SQRT2, 0);
    expect(level.overallRms).toBeCloseTo(8000 / 2, 0);
    expect(dbfsOf(rmsOf(new Int16Array(320)))).toBe(-Infinity);
  });

  it('reads PCM16 from bytes at any alignment', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setInt16(1, -1234, true);
    new DataView(bytes.buffer).setInt16(3, 32767, true);
    expect([...pcm16Samples(bytes.subarray(1))]).toEqual([-1234, 32767, 0, 0]);
  });
});

describe('sandbox assistant: its voice without espeak-ng', () => {
  it('synthesizes audible, unclipped, speech-paced audio at 16 kHz', () => {
    const samples = new FormantVoice().render('Hello, you are through to the clinic.');
    const seconds = samples.length / VOICE_SAMPLE_RATE;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(5);
    expect(dbfsOf(rmsOf(samples))).toBeCloseTo(-20, 0);
    expect(Math.max(...samples.map(Math.abs))).toBeLessThan(32_767);
    // It has the rhythm of speech: the detector hears it start and, after the pause, stop.
    const detector = new SpeechDetector();
    const events: string[] = [];
    const padded = Int16Array.from([...samples, ...new Int16Array(16_000)]);
    for (let at = 0; at + 320 <= padded.length; at += 320) {
      const event = detector.push(padded.subarray(at, at + 320));
      if (event) events.push(event.type);
    }
    expect(events).toEqual(['speech-started', 'speech-ended']);
  });
});

describe('sandbox vapi.websocket transport', () => {
  let sandbox: Sandbox;
  let assistantId: string;
  const vapi = (path: string, body: unknown) =>
    fetch(`${sandbox.vapiBaseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    // No backend behind it: webhooks fail quietly, which is all this suite needs.
    sandbox = await startSandbox({
      port: 0,
      timeScale: 1,
      inboundCallsPerMinute: 0,
      logger: createLogger('silent'),
      backendUrl: () => 'http://127.0.0.1:9',
      webhookAuth: { mode: 'secret', secret: 'x'.repeat(32) },
    });
    assistantId = ((await (await vapi('/assistant', { name: 'Test', firstMessage: 'Hello there.' })).json()) as { id: string }).id;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('creates a websocket call the way Vapi answers it, and refuses what Vapi refuses', async () => {
    const audioFormat = { format: 'pcm_s16le', container: 'raw', sampleRate: 16000 };
    const created = await vapi('/call', { assistantId, transport: { provider: 'vapi.websocket', audioFormat } });
    expect(created.status).toBe(201);
    const call = (await created.json()) as {
      id: string;
      type: string;
      status: string;
      transport: { provider: string; websocketCallUrl: string };
    };
    expect(call).toMatchObject({ type: 'vapi.websocketCall', status: 'queued', transport: { provider: 'vapi.websocket' } });
    expect(call.transport.websocketCallUrl).toBe(`${sandbox.url.replace('http', 'ws')}/vapi/${call.id}/transport`);

    const withLine = await vapi('/call', {
      assistantId,
      phoneNumberId: sandbox.platform.outboundPhoneNumberId,
      transport: { provider: 'vapi.websocket' },
    });
    expect(withLine.status).toBe(400);
    const mulaw = await vapi('/call', {
      assistantId,
      transport: { provider: 'vapi.websocket', audioFormat: { format: 'mulaw', container: 'raw', sampleRate: 8000 } },
    });
    expect(mulaw.status).toBe(400);
    const noAssistant = await vapi('/call', { assistantId: 'nope', transport: { provider: 'vapi.websocket', audioFormat } });
    expect(noAssistant.status).toBe(400);
  });

  it('greets with audible audio and transcripts, takes one socket per call, and ends the call on hangup', async () => {
    const call = (await (await vapi('/call', { assistantId, transport: { provider: 'vapi.websocket' } })).json()) as {
      id: string;
      transport: { websocketCallUrl: string };
    };
    const ws = new WebSocket(call.transport.websocketCallUrl);
    const json: Array<Record<string, unknown>> = [];
    let audioBytes = 0;
    let squares = 0;
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return void json.push(JSON.parse(data.toString()) as Record<string, unknown>);
      audioBytes += data.byteLength;
      for (let i = 0; i + 1 < data.byteLength; i += 2) squares += data.readInt16LE(i) ** 2;
    });
    await new Promise((resolve) => ws.once('open', resolve));

    const second = new WebSocket(call.transport.websocketCallUrl);
    const refused = await new Promise<number>((resolve) => second.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(refused).toBe(409);

    const until = async (probe: () => boolean) => {
      for (let i = 0; i < 500 && !probe(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(probe()).toBe(true);
    };
    await until(() => json.some((m) => m.type === 'transcript' && m.transcriptType === 'final' && m.role === 'assistant'));
    expect(json[0]).toEqual({ type: 'status-update', status: 'in-progress' });
    expect(json.find((m) => m.transcriptType === 'final')).toMatchObject({ role: 'assistant', transcript: 'Hello there.' });
    expect(audioBytes % 640).toBe(0);
    expect(dbfsOf(Math.sqrt(squares / (audioBytes / 2)))).toBeGreaterThan(-35);

    ws.send(JSON.stringify({ type: 'hangup' }));
    const closed = await new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(closed).toBe(1000);
    expect(json.at(-1)).toEqual({ type: 'status-update', status: 'ended', endedReason: 'customer-ended-call' });
    expect(sandbox.voice.stats(call.id)).toMatchObject({ status: 'ended', endedReason: 'customer-ended-call', assistantTurns: 1 });
  });
});

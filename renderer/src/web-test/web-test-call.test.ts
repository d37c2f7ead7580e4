import { describe, expect, it, vi } from 'vitest';
import { WEB_TEST_PORT_OFFER } from '@voxanne/protocol';
import { FakeTrack, fakeWebTestEnvironment, goLive, type FakeContext } from '../../test/fake-web-test-environment';
import { Messages, RELAY_ANSWER_TIMEOUT_MS, WebTestCall } from './web-test-call';

function setup(options: Parameters<typeof fakeWebTestEnvironment>[0] = {}) {
  const fake = fakeWebTestEnvironment(options);
  return { ...fake, call: new WebTestCall(fake.env) };
}

describe('a web test call in the page', () => {
  it('opens the microphone, builds the audio graph, hands main the port and asks the backend to start', async () => {
    const t = setup();
    await t.call.start({ deviceId: 'usb-headset', voiceProcessing: true });
    expect(t.constraints).toEqual([
      {
        audio: {
          deviceId: { exact: 'usb-headset' },
          channelCount: 1,
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        },
      },
    ]);
    const context = t.contexts[0]!;
    expect(context.loadedModules).toEqual(['/assets/web-test-worklet.js']);
    expect(context.state).toBe('running');
    const [source] = context.sources;
    const [inputMeter, outputMeter] = context.analysers;
    const worklet = t.worklets[0]!;
    expect(source!.connections).toEqual([inputMeter, worklet]);
    expect(worklet.connections).toEqual([outputMeter]);
    expect(outputMeter!.connections).toEqual([context.destination]);
    expect(t.offers).toEqual([
      { offer: { type: WEB_TEST_PORT_OFFER, relayId: '7d3c8a52-4f0e-4c59-9a57-0e2b4d1f6a10' }, port: { name: 'main end' } },
    ]);
    expect(worklet.port.posted[0]).toEqual({
      message: { type: 'attach-relay', port: { name: 'worklet end' } },
      transfer: [{ name: 'worklet end' }],
    });
    expect(t.commands()[1]).toEqual({ type: 'control', message: { type: 'start' } });
    expect(t.call.getState()).toMatchObject({ phase: 'connecting', message: Messages.connecting });
  });

  it('can turn the voice clean-up off (a headset that does its own)', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: false });
    expect(t.constraints[0]).toEqual({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  });

  it('goes live, keeps a two-way transcript (partials settle into finals) and ends with the backend’s word', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    const worklet = t.worklets[0]!;
    goLive(worklet);
    expect(t.call.getState()).toMatchObject({
      phase: 'live',
      message: Messages.live,
      callId: '1c4b5a2f-9d3e-4f60-8b7c-8d9e0f1a2b3c',
      maxSeconds: 600,
    });
    worklet.relay({ type: 'transcript', speaker: 'assistant', transcriptType: 'partial', text: 'Hello, you' });
    worklet.relay({ type: 'transcript', speaker: 'assistant', transcriptType: 'final', text: 'Hello, you’re through to the clinic.' });
    worklet.relay({ type: 'transcript', speaker: 'caller', transcriptType: 'partial', text: '[speech…]' });
    worklet.relay({ type: 'transcript', speaker: 'caller', transcriptType: 'final', text: '[speech, 1.4 s]' });
    worklet.relay({ type: 'transcript', speaker: 'assistant', transcriptType: 'partial', text: 'Thanks' });
    expect(t.call.getState().transcript).toEqual([
      { id: 1, speaker: 'assistant', text: 'Hello, you’re through to the clinic.', final: true },
      { id: 2, speaker: 'caller', text: '[speech, 1.4 s]', final: true },
      { id: 3, speaker: 'assistant', text: 'Thanks', final: false },
    ]);

    worklet.relay({ type: 'ended', reason: 'time-limit', message: 'Web tests last at most 10 minutes. Start a new one to keep talking.' });
    expect(t.call.getState()).toMatchObject({
      phase: 'ended',
      message: 'Web tests last at most 10 minutes. Start a new one to keep talking.',
    });
    expect(t.call.getState().transcript).toHaveLength(3);
    t.expectReleased();
  });

  it('ignores messages that break the contract', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    t.worklets[0]!.port.onmessage?.({
      data: { type: 'relay', message: { type: 'transcript', speaker: 'robot', text: 1 } },
    } as MessageEvent);
    expect(t.call.getState().transcript).toEqual([]);
    expect(t.call.getState().phase).toBe('connecting');
  });

  it('mutes the microphone track itself and tells the backend', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    goLive(t.worklets[0]!);
    t.call.setMuted(true);
    expect(t.tracks[0]!.enabled).toBe(false);
    expect(t.commands().at(-1)).toEqual({ type: 'control', message: { type: 'mute', muted: true } });
    expect(t.call.getState().muted).toBe(true);
    t.call.setMuted(false);
    expect(t.tracks[0]!.enabled).toBe(true);
  });

  it('on End tells the backend first, then releases every track, node, port and the context', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    goLive(t.worklets[0]!);
    t.call.end();
    const commands = t.commands();
    expect(commands.slice(-2)).toEqual([{ type: 'control', message: { type: 'end' } }, { type: 'detach' }]);
    expect(t.call.getState()).toMatchObject({ phase: 'ended', message: null });
    t.expectReleased();
  });

  it('says so plainly when the microphone is denied, and opens nothing else', async () => {
    const t = setup({ getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) });
    await t.call.start({ deviceId: null, voiceProcessing: true });
    expect(t.call.getState()).toMatchObject({ phase: 'failed', message: Messages.microphoneDenied });
    expect(t.contexts).toHaveLength(0);
    expect(t.offers).toHaveLength(0);
  });

  it('says so when there is no microphone, or it is busy', async () => {
    const missing = setup({ getUserMedia: () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) });
    await missing.call.start({ deviceId: null, voiceProcessing: true });
    expect(missing.call.getState().message).toBe(Messages.microphoneMissing);
    const busy = setup({ getUserMedia: () => Promise.reject(new DOMException('Could not start audio source', 'NotReadableError')) });
    await busy.call.start({ deviceId: null, voiceProcessing: true });
    expect(busy.call.getState().message).toBe(Messages.microphoneBusy);
  });

  it('releases the microphone when the audio engine cannot start', async () => {
    const t = setup();
    const create = t.env.createAudioContext;
    t.env.createAudioContext = () => {
      const context = create();
      (context as unknown as FakeContext).failModule = true;
      return context;
    };
    await t.call.start({ deviceId: null, voiceProcessing: true });
    expect(t.call.getState()).toMatchObject({ phase: 'failed', message: Messages.audioEngine });
    expect(t.tracks[0]!.stopped).toBe(true);
    expect(t.contexts[0]!.closed).toBe(true);
  });

  it('when the backend connection drops mid-test, ends cleanly with the relay’s reason', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    const worklet = t.worklets[0]!;
    goLive(worklet);
    const reason = 'Lost contact with the Voxanne server, so the test call ended. Start it again once the connection is back.';
    worklet.relay({ type: 'relay-status', status: 'closed', reason, droppedFrames: 3 });
    expect(t.call.getState()).toMatchObject({ phase: 'failed', message: reason, audio: { droppedFrames: 3 } });
    t.expectReleased();
  });

  it('shows the voice platform’s refusal as a failure, with its reason', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    const worklet = t.worklets[0]!;
    worklet.relay({ type: 'relay-status', status: 'open', reason: null, droppedFrames: 0 });
    worklet.relay({ type: 'status', status: 'connecting' });
    worklet.relay({
      type: 'ended',
      reason: 'provider-refused',
      message: 'The voice platform rejected our API key. An administrator needs to check VAPI_API_KEY.',
    });
    expect(t.call.getState()).toMatchObject({
      phase: 'failed',
      message: 'The voice platform rejected our API key. An administrator needs to check VAPI_API_KEY.',
    });
    t.expectReleased();
  });

  it('says the server cannot be reached when main cannot open the socket at all', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    const reason = "Can't reach the Voxanne server. Check this computer's internet connection.";
    t.worklets[0]!.relay({ type: 'relay-status', status: 'connecting', reason: null, droppedFrames: 0 });
    t.worklets[0]!.relay({ type: 'relay-status', status: 'closed', reason, droppedFrames: 0 });
    expect(t.call.getState()).toMatchObject({ phase: 'failed', message: reason });
    t.expectReleased();
  });

  it('when main never answers for the port, gives up with a message', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    expect(t.timers.size).toBe(1);
    [...t.timers.values()][0]!();
    expect(t.call.getState()).toMatchObject({ phase: 'failed', message: Messages.hostSilent });
    t.expectReleased();
    expect(RELAY_ANSWER_TIMEOUT_MS).toBe(10_000);
  });

  it('disposed while the microphone prompt is still open: the microphone is released as soon as it arrives', async () => {
    let grant: (stream: MediaStream) => void = () => undefined;
    const track = new FakeTrack();
    const t = setup({ getUserMedia: () => new Promise((resolve) => (grant = resolve)) });
    const starting = t.call.start({ deviceId: null, voiceProcessing: true });
    const listener = vi.fn();
    t.call.subscribe(listener);
    t.call.dispose();
    grant({ getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream);
    await starting;
    expect(track.stopped).toBe(true);
    expect(t.contexts).toHaveLength(0);
    expect(listener).not.toHaveBeenCalled();
  });

  it('disposed mid-call (the panel unmounts): ends the call and releases everything', async () => {
    const t = setup();
    await t.call.start({ deviceId: null, voiceProcessing: true });
    goLive(t.worklets[0]!);
    t.call.dispose();
    expect(t.commands()).toContainEqual({ type: 'control', message: { type: 'end' } });
    t.expectReleased();
  });

  it('reads both level meters from their analysers', async () => {
    const t = setup();
    expect(t.call.levels()).toEqual({ input: -Infinity, output: -Infinity });
    await t.call.start({ deviceId: null, voiceProcessing: true });
    t.contexts[0]!.analysers[0]!.level = 0.1;
    t.contexts[0]!.analysers[1]!.level = 0.5;
    const levels = t.call.levels();
    expect(levels.input).toBeCloseTo(-20, 3);
    expect(levels.output).toBeCloseTo(-6.02, 2);
  });
});

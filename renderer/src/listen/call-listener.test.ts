import { describe, expect, it } from 'vitest';
import { LISTEN_PORT_OFFER } from '@voxanne/protocol';
import { fakeWebTestEnvironment } from '../../test/fake-web-test-environment';
import { CallListener, ListenMessages } from './call-listener';

const CALL_ID = '2b7e1c9a-3d4f-4a5b-8c6d-7e8f9a0b1c2d';

function setup() {
  const fake = fakeWebTestEnvironment();
  return { ...fake, listener: new CallListener(fake.env, CALL_ID) };
}

describe('listening in on a call in the page', () => {
  it('plays the relay through the worklet and a meter, offering main a port for the call (no ticket, no microphone)', async () => {
    const t = setup();
    await t.listener.start();
    expect(t.listener.getState()).toMatchObject({ phase: 'connecting', message: ListenMessages.connecting });
    const context = t.contexts[0]!;
    expect(context.state).toBe('running');
    expect(context.sources).toEqual([]);
    expect(t.tracks).toEqual([]);
    const worklet = t.worklets[0]!;
    const [meter] = context.analysers;
    expect(worklet.connections).toEqual([meter]);
    expect(meter!.connections).toEqual([context.destination]);
    expect(t.offers).toEqual([
      { offer: { type: LISTEN_PORT_OFFER, relayId: '7d3c8a52-4f0e-4c59-9a57-0e2b4d1f6a10', callId: CALL_ID }, port: { name: 'main end' } },
    ]);
    worklet.relay({ type: 'relay-status', status: 'open', reason: null, droppedFrames: 0 });
    worklet.relay({ type: 'listening', callId: CALL_ID });
    expect(t.listener.getState().phase).toBe('listening');
    meter!.level = 0.1;
    expect(t.listener.level()).toBeCloseTo(-20, 0);

    t.listener.stop();
    expect(t.commands()).toContainEqual({ type: 'control', message: { type: 'end' } });
    expect(t.listener.getState()).toMatchObject({ phase: 'ended', message: null });
    t.expectReleased();
  });

  it('ends quietly when the call ends, and as a failure when the ticket or the audio is refused', async () => {
    const t = setup();
    await t.listener.start();
    t.worklets[0]!.relay({ type: 'listening', callId: CALL_ID });
    t.worklets[0]!.relay({ type: 'ended', reason: 'call-ended', message: 'The call has ended.' });
    expect(t.listener.getState()).toMatchObject({ phase: 'ended', message: 'The call has ended.' });
    t.expectReleased();

    await t.listener.start();
    t.worklets[1]!.relay({ type: 'ended', reason: 'unavailable', message: 'The call’s audio is not available from the voice platform.' });
    expect(t.listener.getState()).toMatchObject({ phase: 'failed', message: 'The call’s audio is not available from the voice platform.' });

    await t.listener.start();
    t.worklets[2]!.relay({
      type: 'relay-status',
      status: 'closed',
      reason: 'This call has ended: there is nothing left to control.',
      droppedFrames: 0,
    });
    expect(t.listener.getState()).toMatchObject({ phase: 'failed', message: 'This call has ended: there is nothing left to control.' });
    t.expectReleased();
  });

  it('gives up with a readable message when main never answers, and when the audio engine will not start', async () => {
    const t = setup();
    await t.listener.start();
    expect(t.timers.size).toBe(1);
    for (const run of [...t.timers.values()]) run();
    expect(t.listener.getState()).toMatchObject({ phase: 'failed', message: ListenMessages.hostSilent });
    t.expectReleased();

    const broken = fakeWebTestEnvironment();
    const listener = new CallListener(
      {
        ...broken.env,
        createAudioContext: () => {
          const context = broken.env.createAudioContext() as unknown as { failModule: boolean };
          context.failModule = true;
          return context as unknown as AudioContext;
        },
      },
      CALL_ID,
    );
    await listener.start();
    expect(listener.getState()).toMatchObject({ phase: 'failed', message: ListenMessages.audioEngine });
    expect(broken.offers).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { at, event, id, makeCall, makeCallDetail, makeLiveCall } from '../../test/factories';

describe('Call detail', () => {
  it('shows loading, then the timeline, transcript, summary, outcome, recording and bookings', async () => {
    const call = makeCall({ patientName: 'Maria Lopez', outcome: 'booked', summary: 'Booked a cleaning for Friday at 10:00.' });
    const fake = new FakeBridge({ calls: [call] });
    fake.world.callDetails.set(
      call.id,
      makeCallDetail(call, {
        recordingUrl: 'https://recordings.example/abc.wav',
        transcript: [
          { id: id(), speaker: 'assistant', text: 'Bright Smile Dental, this is Ava.', offsetSeconds: 0, at: at('09:00') },
          { id: id(), speaker: 'caller', text: 'Hi, I need a cleaning.', offsetSeconds: 4, at: at('09:00') },
        ],
        bookings: [{ id: id(), patientName: 'Maria Lopez', startsAt: at('10:00', '2026-03-06'), status: 'confirmed' }],
      }),
    );
    const held = fake.hold('calls.get');
    renderConsole({ fake, route: { page: 'call', callId: call.id } });
    expect(await screen.findByText('Loading the call…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByRole('heading', { name: 'Call with Maria Lopez' })).toBeInTheDocument();
    expect(screen.getByText('Booked a cleaning for Friday at 10:00.')).toBeInTheDocument();
    const transcript = screen.getByRole('region', { name: 'Transcript' });
    expect(within(transcript).getByText('Hi, I need a cleaning.')).toBeInTheDocument();
    expect(within(transcript).getByText('0:04')).toBeInTheDocument();
    expect(screen.getByLabelText('Call recording')).toHaveAttribute('src', 'https://recordings.example/abc.wav');
    const bookings = screen.getByRole('region', { name: 'Bookings' });
    expect(within(bookings).getByText('Maria Lopez')).toBeInTheDocument();
    const timeline = screen.getByRole('region', { name: 'Timeline' });
    expect(within(timeline).getAllByRole('listitem')).toHaveLength(3);
    expect(within(screen.getByText('Outcome').closest('div')!).getByText('Booked')).toBeInTheDocument();
  });

  it('shows a caller number that is not valid as given, marked unverified, and the assistant going silent on the timeline', async () => {
    const call = makeCall({ patientName: null, callerNumber: null, callerNumberRaw: '+11231231234' });
    const fake = new FakeBridge({ calls: [call] });
    fake.world.callDetails.set(
      call.id,
      makeCallDetail(call, {
        timeline: [
          { status: 'in-progress', at: at('09:00') },
          { incident: 'assistant_silent', at: at('09:01') },
          { status: 'ended', at: at('09:02') },
        ],
      }),
    );
    renderConsole({ fake, route: { page: 'call', callId: call.id } });
    expect(await screen.findByRole('heading', { name: 'Call with +11231231234 (unverified number)' })).toBeInTheDocument();
    const timeline = screen.getByRole('region', { name: 'Timeline' });
    expect(
      within(timeline)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([expect.stringContaining('In progress'), expect.stringContaining('Assistant went silent'), expect.stringContaining('Ended')]);
  });

  it('says where the call was transferred and how it went, with the number masked', async () => {
    const connected = makeCall({
      patientName: 'Grace Hopper',
      outcome: 'transferred',
      transfer: { destination: '+442079460999', at: at('09:02'), status: 'connected', failure: null },
    });
    const failed = makeCall({
      patientName: 'Alan Turing',
      outcome: 'transferred',
      needsAttention: true,
      transfer: { destination: '+442079460999', at: at('09:05'), status: 'failed', failure: 'no_answer' },
    });
    const { stores } = renderConsole({ world: { calls: [connected, failed] }, route: { page: 'call', callId: connected.id } });
    await screen.findByRole('heading', { name: 'Call with Grace Hopper' });
    const fact = screen.getByText('Transfer').closest('div')!;
    expect(fact).toHaveTextContent('Transferred to +44••••••••99 at');
    expect(fact).not.toHaveTextContent('460999');

    act(() => stores.navigation.getState().navigate({ page: 'call', callId: failed.id }));
    await screen.findByRole('heading', { name: 'Call with Alan Turing' });
    expect(screen.getByText(/Transfer to \+44••••••••99 failed: nobody answered/)).toBeInTheDocument();
  });

  it('offers the system browser when the recording cannot be played in the window', async () => {
    const call = makeCall({ patientName: 'Maria Lopez' });
    const fake = new FakeBridge({ calls: [call] });
    fake.world.callDetails.set(call.id, makeCallDetail(call, { recordingUrl: 'https://recordings.example/abc.wav' }));
    renderConsole({ fake, route: { page: 'call', callId: call.id } });
    const audio = await screen.findByLabelText('Call recording');
    fireEvent.error(audio);
    await userEvent.click(screen.getByRole('button', { name: 'Open in the browser' }));
    expect(fake.requestsOn('app.openExternal')).toEqual([{ url: 'https://recordings.example/abc.wav' }]);
  });

  it('says plainly when a call has no transcript, recording or booking', async () => {
    const call = makeCall({ outcome: 'missed', summary: null });
    renderConsole({ world: { calls: [call] }, route: { page: 'call', callId: call.id } });
    expect(await screen.findByText('No transcript was recorded for this call.')).toBeInTheDocument();
    expect(screen.getByText('No recording for this call.')).toBeInTheDocument();
    expect(screen.getByText('No appointment was booked on this call.')).toBeInTheDocument();
    expect(screen.getByText('No summary was produced for this call.')).toBeInTheDocument();
  });

  it('explains a call that does not exist, without a pointless retry', async () => {
    renderConsole({ route: { page: 'call', callId: id() } });
    expect(await screen.findByText('That call does not exist.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });

  it('retries a call that could not be loaded', async () => {
    const call = makeCall({ patientName: 'Ann Lee' });
    const fake = new FakeBridge({ calls: [call] });
    fake.fail('calls.get', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'call', callId: call.id } });
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'Call with Ann Lee' })).toBeInTheDocument();
  });

  it('streams the transcript of a call in progress and reloads the summary when it ends', async () => {
    const call = makeLiveCall({ patientName: 'Priya Shah' });
    const { fake } = renderConsole({ world: { calls: [call] }, route: { page: 'call', callId: call.id } });
    await screen.findByRole('heading', { name: 'Call with Priya Shah' });
    expect(await screen.findByText('The summary appears when the call ends.')).toBeInTheDocument();
    act(() =>
      fake.pushEvents([
        event('call.transcript', {
          callId: call.id,
          speaker: 'caller',
          transcriptType: 'final',
          text: 'Can I move my appointment?',
          segmentId: id(),
        }),
      ]),
    );
    expect(screen.getByText('Can I move my appointment?')).toBeInTheDocument();

    const ended = {
      ...call,
      status: 'ended' as const,
      endedAt: at('09:05'),
      durationSeconds: 300,
      outcome: 'answered' as const,
      summary: 'Moved the appointment to Tuesday.',
    };
    fake.world.calls = [ended];
    act(() => fake.pushEvents([event('call.ended', { call: ended })]));
    expect(await screen.findByText('Moved the appointment to Tuesday.')).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    const call = makeCall({ patientName: 'Maria Lopez' });
    const fake = new FakeBridge({ calls: [call] });
    fake.world.callDetails.set(call.id, makeCallDetail(call, { recordingUrl: 'https://recordings.example/a.wav' }));
    renderConsole({ fake, route: { page: 'call', callId: call.id } });
    await screen.findByRole('heading', { name: 'Call with Maria Lopez' });
    expect(await axeViolations()).toEqual([]);
  });
});

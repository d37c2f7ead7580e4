import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge, countsOf } from '../../test/fake-bridge';
import { at, event, id, makeBooking, makeCall, makeLiveCall, makeStats, makeWorkItem } from '../../test/factories';

describe('Dashboard', () => {
  it('shows loading placeholders while the first data is on its way', async () => {
    const fake = new FakeBridge();
    const stats = fake.hold('dashboard.getStats');
    const calls = fake.hold('calls.list');
    renderConsole({ fake });
    expect(await screen.findByText('Loading calls…')).toBeInTheDocument();
    expect(screen.getByText('Loading recent calls…')).toBeInTheDocument();
    const callsToday = screen.getByText('Calls today').closest('li');
    expect(callsToday).toHaveTextContent('—');
    stats.release();
    calls.release();
    // Waited for, not timed: the work queue's own first load shares the event loop.
    await waitFor(() => expect(screen.queryByText('Loading calls…')).not.toBeInTheDocument());
  });

  it('says so when there are no calls and no bookings yet', async () => {
    renderConsole({
      world: {
        stats: makeStats({ callsToday: 0, answered: 0, missed: 0, bookingsToday: 0, averageDurationSeconds: null, bookingRate: null }),
      },
    });
    expect(await screen.findByText('No calls right now')).toBeInTheDocument();
    expect(screen.getByText('No calls yet')).toBeInTheDocument();
    expect(await screen.findByText('No bookings made today yet')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /^Appointments/ }));
    expect(screen.getByText('No appointments today')).toBeInTheDocument();
    expect(screen.getByText('Nothing needs you right now')).toBeInTheDocument();
  });

  it("loads stats, live calls with their transcript so far, recent calls and today's bookings", async () => {
    const live = makeLiveCall({ patientName: 'Maria Lopez', startedAt: at('09:30') });
    const ended = makeCall({ callerNumber: '+447700900111', outcome: 'booked', startedAt: at('08:10') });
    const fake = new FakeBridge({
      calls: [live, ended],
      bookings: [makeBooking({ patientName: 'Tom Baker', startsAt: at('15:00'), endsAt: at('15:30') })],
    });
    fake.world.callDetails.set(live.id, {
      ...(await fake.bridge.calls.get({ id: live.id }).then((r) => (r.ok ? r.data : null)))!,
      transcript: [
        {
          id: '00000000-0000-4000-8000-00000000aa01',
          speaker: 'assistant',
          text: 'Bright Smile Dental, Ava speaking.',
          offsetSeconds: 0,
          at: at('09:30'),
        },
      ],
    });
    renderConsole({ fake });
    const card = await screen.findByRole('article', { name: 'Call with Maria Lopez' });
    expect(within(card).getByText('In progress')).toBeInTheDocument();
    expect(await within(card).findByText('Bright Smile Dental, Ava speaking.')).toBeInTheDocument();
    const recent = screen.getByRole('region', { name: 'Recent calls' });
    expect(within(recent).getByText('+44 7700 900111')).toBeInTheDocument();
    expect(within(recent).getByText('Booked')).toBeInTheDocument();
    expect(await screen.findByText('Tom Baker')).toBeInTheDocument();
    expect(screen.getByText('Calls today').closest('li')).toHaveTextContent('12');
  });

  it('shows a transfer on the live call’s card as it moves on, with the number masked', async () => {
    const call = makeLiveCall({ patientName: 'Ada Lovelace' });
    const { fake } = renderConsole({ world: { calls: [call] } });
    const card = await screen.findByRole('article', { name: 'Call with Ada Lovelace' });
    const transfer = { destination: '+442079460999', at: new Date().toISOString(), failure: null };
    act(() =>
      fake.pushEvents([
        event('call.status', { callId: call.id, status: 'in-progress', call: { ...call, transfer: { ...transfer, status: 'requested' } } }),
      ]),
    );
    expect(within(card).getByText('Putting through to +44••••••••99')).toBeInTheDocument();
    act(() =>
      fake.pushEvents([
        event('call.status', {
          callId: call.id,
          status: 'forwarding',
          call: { ...call, status: 'forwarding', transfer: { ...transfer, status: 'forwarding' } },
        }),
      ]),
    );
    expect(within(card).getByText('Transferring to +44••••••••99')).toBeInTheDocument();
    expect(within(card).getByText('Transferring')).toBeInTheDocument();
    expect(card).not.toHaveTextContent('460999');
  });

  it('shows a failed transfer on the card, so the desk knows to call back', async () => {
    const call = makeLiveCall({
      patientName: 'Alan Turing',
      needsAttention: true,
      transfer: { destination: null, at: new Date().toISOString(), status: 'failed', failure: 'no_number' },
    });
    renderConsole({ world: { calls: [call] } });
    const card = await screen.findByRole('article', { name: 'Call with Alan Turing' });
    expect(within(card).getByText('Not transferred: no transfer number is set')).toBeInTheDocument();
  });

  it('shows a friendly error with a retry when the calls cannot be loaded', async () => {
    const fake = new FakeBridge({ calls: [makeCall({ patientName: 'Ann Lee' })] });
    fake.fail('calls.list', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake });
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.some((a) => a.textContent?.includes("Can't reach the Voxanne server."))).toBe(true);
    await userEvent.click(screen.getAllByRole('button', { name: 'Try again' })[0]!);
    expect(await screen.findByText('Ann Lee')).toBeInTheDocument();
  });

  it('streams a new call live: announced, partial transcript replaced by the final, then booked and counted', async () => {
    const { fake } = renderConsole();
    expect(await screen.findByText('No calls right now')).toBeInTheDocument();

    const call = makeLiveCall({ status: 'ringing', patientName: 'Priya Shah', startedAt: new Date().toISOString() });
    act(() => fake.pushEvents([event('call.started', { call })]));
    const card = await screen.findByRole('article', { name: 'Call with Priya Shah' });
    expect(within(card).getByText('Ringing')).toBeInTheDocument();
    expect(screen.getByText('New call from Priya Shah')).toBeInTheDocument();

    act(() =>
      fake.pushEvents([
        event('call.status', { callId: call.id, status: 'in-progress', call: { ...call, status: 'in-progress' } }),
        event('call.transcript', {
          callId: call.id,
          speaker: 'caller',
          transcriptType: 'partial',
          text: 'I would like to',
          segmentId: null,
        }),
      ]),
    );
    expect(within(card).getByText('In progress')).toBeInTheDocument();
    expect(within(card).getByText('I would like to')).toBeInTheDocument();

    act(() =>
      fake.pushEvents([
        event('call.transcript', {
          callId: call.id,
          speaker: 'caller',
          transcriptType: 'final',
          text: 'I would like to book a cleaning.',
          segmentId: '00000000-0000-4000-8000-00000000bb01',
        }),
      ]),
    );
    expect(within(card).queryByText('I would like to')).not.toBeInTheDocument();
    expect(within(card).getByText('I would like to book a cleaning.')).toBeInTheDocument();

    const booking = makeBooking({
      callId: call.id,
      patientName: 'Priya Shah',
      service: 'Cleaning',
      startsAt: at('16:00'),
      endsAt: at('16:30'),
    });
    act(() =>
      fake.pushEvents([
        event('booking.created', { booking }),
        event('stats.changed', { stats: makeStats({ callsToday: 13, bookingsToday: 5, inProgress: 1 }) }),
      ]),
    );
    const bookings = screen.getByRole('region', { name: "Today's bookings" });
    expect(within(bookings).getByText('Cleaning')).toBeInTheDocument();
    expect(screen.getByText('Calls today').closest('li')).toHaveTextContent('13');
    expect(screen.getByText('Bookings').closest('li')).toHaveTextContent('5');

    const ended = { ...call, status: 'ended' as const, endedAt: new Date().toISOString(), durationSeconds: 95, outcome: 'booked' as const };
    act(() => fake.pushEvents([event('call.ended', { call: ended })]));
    expect(screen.queryByRole('article', { name: 'Call with Priya Shah' })).not.toBeInTheDocument();
    const recent = screen.getByRole('region', { name: 'Recent calls' });
    expect(within(recent).getByText('Priya Shah')).toBeInTheDocument();
    expect(within(recent).getByText('1 min 35 s')).toBeInTheDocument();
  });

  it('shows the shared work queue: a new item, a colleague’s claim, and closing with an outcome', async () => {
    const { fake } = renderConsole();
    await screen.findByText('Nothing needs you right now');
    const item = makeWorkItem({
      kind: 'callback_requested',
      title: 'Call back requested',
      detail: 'About a bill.',
      patientName: 'Omar Haddad',
    });
    fake.world.workItems = [item];
    act(() => fake.pushEvents([event('work_item.changed', { item, change: 'created', counts: countsOf([item]) })]));
    const queue = screen.getByRole('region', { name: 'Work queue' });
    const card = within(queue).getByRole('listitem', { name: 'Callback requested: Omar Haddad' });
    expect(within(card).getByText('About a bill.')).toBeInTheDocument();
    expect(within(queue).getByText('1 open')).toBeInTheDocument();

    // Another console claims it: the name shows here, and only "Take over" is offered.
    const theirs = {
      ...item,
      status: 'claimed' as const,
      claimedBy: { id: id(), name: 'Bob Desk' },
      claimedAt: at('10:00'),
      updatedAt: new Date(Date.now() + 1000).toISOString(),
    };
    fake.world.workItems = [theirs];
    act(() => fake.pushEvents([event('work_item.changed', { item: theirs, change: 'claimed', counts: countsOf([theirs]) })]));
    expect(within(card).getByText('Bob Desk is on it')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'I’m on it' })).not.toBeInTheDocument();

    await userEvent.click(within(card).getByRole('button', { name: 'Take over' }));
    expect(await within(card).findByText('You are on it')).toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'Done…' }));
    const form = within(card).getByRole('form', { name: 'Close: Omar Haddad' });
    await userEvent.click(within(form).getByRole('button', { name: 'Mark done' }));
    expect(fake.requestsOn('workItems.done')).toHaveLength(0);
    await userEvent.selectOptions(within(form).getByLabelText('How did it end?'), 'Called back — booked');
    await userEvent.type(within(form).getByLabelText('Note (optional)'), 'Booked for Tuesday.');
    await userEvent.click(within(form).getByRole('button', { name: 'Mark done' }));
    expect(await within(queue).findByText('Nothing needs you right now')).toBeInTheDocument();
    expect(fake.requestsOn('workItems.done')).toEqual([{ id: item.id, outcome: 'called_back_booked', note: 'Booked for Tuesday.' }]);
    expect(fake.violations).toEqual([]);
  });

  it('says who got there first when a claim loses the race', async () => {
    const item = makeWorkItem({ patientName: 'Omar Haddad' });
    const { fake } = renderConsole({ world: { workItems: [item] } });
    const card = await screen.findByRole('listitem', { name: 'Missed call: Omar Haddad' });
    fake.world.workItems = [{ ...item, status: 'claimed', claimedBy: { id: id(), name: 'Bob Desk' }, claimedAt: at('10:00') }];
    await userEvent.click(within(card).getByRole('button', { name: 'I’m on it' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('Bob Desk is already on this item.');
  });

  it('reloads everything over the bridge when the live log asks for a resync', async () => {
    const { fake } = renderConsole();
    await screen.findByText('No calls right now');
    const before = fake.requestsOn('calls.list').length;
    fake.world.calls = [makeCall({ patientName: 'Lena Park' })];
    fake.world.stats = makeStats({ callsToday: 40 });
    act(() => fake.pushEvents([], true));
    expect(await screen.findByText('Lena Park')).toBeInTheDocument();
    expect(fake.requestsOn('calls.list').length).toBe(before + 1);
    expect(screen.getByText('Calls today').closest('li')).toHaveTextContent('40');
  });

  it('shows what was booked today (any day) or who is coming in today', async () => {
    const madeTodayForNextWeek = makeBooking({
      patientName: 'Nina Holt',
      createdAt: at('09:15'),
      startsAt: at('10:00', '2026-03-09'),
      endsAt: at('10:30', '2026-03-09'),
    });
    const madeLastWeekForToday = makeBooking({
      patientName: 'Sam Ortiz',
      createdAt: at('12:00', '2026-02-23'),
      startsAt: at('11:00'),
      endsAt: at('11:30'),
    });
    renderConsole({ world: { bookings: [madeTodayForNextWeek, madeLastWeekForToday] } });
    const panel = await screen.findByRole('region', { name: "Today's bookings" });
    const booked = within(panel).getByRole('button', { name: /^Booked today/ });
    expect(booked).toHaveAttribute('aria-pressed', 'true');
    expect(await within(panel).findByText('Nina Holt')).toBeInTheDocument();
    expect(within(panel).queryByText('Sam Ortiz')).not.toBeInTheDocument();
    await userEvent.click(within(panel).getByRole('button', { name: /^Appointments/ }));
    expect(within(panel).getByText('Sam Ortiz')).toBeInTheDocument();
    expect(within(panel).queryByText('Nina Holt')).not.toBeInTheDocument();
  });

  it('confirms a pending booking and asks before cancelling one', async () => {
    const pending = makeBooking({ patientName: 'Ruth Gold', status: 'pending', startsAt: at('11:00'), endsAt: at('11:30') });
    const { fake } = renderConsole({ world: { bookings: [pending] } });
    await screen.findByText('Ruth Gold');
    await userEvent.click(screen.getByRole('button', { name: /^Confirm Ruth Gold/ }));
    expect(await screen.findByText('Confirmed')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /^Cancel Ruth Gold/ }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel this appointment?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel appointment' }));
    expect(await screen.findByText('Cancelled')).toBeInTheDocument();
    expect(fake.world.bookings[0]?.status).toBe('cancelled');
  });

  it('re-renders only the card of the call an event is about', async () => {
    const a = makeLiveCall({ patientName: 'Call A' });
    const b = makeLiveCall({ patientName: 'Call B' });
    const { fake, stores } = renderConsole({ world: { calls: [a, b] } });
    await screen.findByRole('article', { name: 'Call with Call B' });
    const before = stores.calls.getState().live[a.id];
    act(() =>
      fake.pushEvents([
        event('call.transcript', { callId: b.id, speaker: 'caller', transcriptType: 'partial', text: 'Hello?', segmentId: null }),
      ]),
    );
    expect(stores.calls.getState().live[a.id]).toBe(before);
  });

  it('has no accessibility violations with live data on screen', async () => {
    renderConsole({
      world: {
        calls: [makeLiveCall({ patientName: 'Maria Lopez' }), makeCall({ needsAttention: true })],
        bookings: [makeBooking({ status: 'pending' })],
      },
    });
    await screen.findByRole('article', { name: 'Call with Maria Lopez' });
    await screen.findByText('Jamie Fox');
    expect(await axeViolations()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { WorkItemHistoryEntry } from '@voxanne/protocol';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge, countsOf } from '../../test/fake-bridge';
import { adminUser, at, event, frontDeskUser, id, makeWorkItem } from '../../test/factories';
import { formatDateTime } from '../format/time';

const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

describe('Work queue page', () => {
  it('lists open items by priority and due time, filters by kind with counts, and reopens a closed one', async () => {
    const missed = makeWorkItem({ kind: 'missed_call', patientName: 'Ada Lovelace', dueAt: later(1) });
    const urgent = makeWorkItem({ kind: 'needs_person', priority: 'high', patientName: 'Omar Haddad', dueAt: later(3) });
    const message = makeWorkItem({ kind: 'callback_requested', patientName: 'Lena Park', dueAt: later(0.5) });
    const closed = makeWorkItem({
      kind: 'callback_requested',
      status: 'done',
      patientName: 'Nina Holt',
      outcome: 'left_voicemail',
      doneBy: { id: '2b0d7f9e-3a41-4b6e-9c1d-5e8f7a6b4c33', name: 'Bob Desk' },
      doneAt: later(-1),
    });
    const { fake, container } = renderConsole({ world: { workItems: [missed, urgent, message, closed] }, route: { page: 'work-queue' } });
    const todo = await screen.findByRole('region', { name: 'To do' });
    await within(todo).findByRole('listitem', { name: 'Needs a person: Omar Haddad' });
    expect(
      within(todo)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['Needs a person: Omar Haddad', 'Callback requested: Lena Park', 'Missed call: Ada Lovelace']);

    await userEvent.click(screen.getByRole('button', { name: 'Missed call (1)' }));
    expect(
      within(todo)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['Missed call: Ada Lovelace']);
    expect(screen.getByRole('button', { name: 'All (3)' })).toHaveAttribute('aria-pressed', 'false');

    const done = screen.getByRole('region', { name: 'Recently done' });
    const row = await within(done).findByRole('listitem', { name: 'Done: Nina Holt' });
    expect(row).toHaveTextContent('No answer — left voicemail · Bob Desk');
    await userEvent.click(within(row).getByRole('button', { name: 'Reopen' }));
    // The counts follow the live events; the list shows the reopened item at once.
    await userEvent.click(screen.getByRole('button', { name: /^Callback requested/ }));
    expect(await within(todo).findByRole('listitem', { name: 'Callback requested: Nina Holt' })).toBeInTheDocument();
    expect(fake.violations).toEqual([]);
    expect(await axeViolations(container)).toEqual([]);
  });

  it('marks items past their due time as overdue', async () => {
    const late = makeWorkItem({ kind: 'missed_call', patientName: 'Ada Lovelace', dueAt: later(-0.5) });
    const onTime = makeWorkItem({ kind: 'callback_requested', patientName: 'Lena Park', dueAt: later(1) });
    renderConsole({ world: { workItems: [late, onTime] }, route: { page: 'work-queue' } });
    const todo = await screen.findByRole('region', { name: 'To do' });
    const overdue = await within(todo).findByRole('listitem', { name: 'Missed call: Ada Lovelace (overdue)' });
    expect(overdue).toHaveTextContent('overdue');
    expect(within(todo).getByRole('listitem', { name: 'Callback requested: Lena Park' })).not.toHaveTextContent('overdue');
  });
});

describe('Work item history', () => {
  const sam = { id: adminUser.id, name: adminUser.name };
  const dana = { id: frontDeskUser.id, name: frontDeskUser.name };
  const entry = (time: string, fields: Partial<WorkItemHistoryEntry> & Pick<WorkItemHistoryEntry, 'action'>): WorkItemHistoryEntry => ({
    id: id(),
    at: at(time),
    staff: null,
    callId: null,
    outcome: null,
    note: null,
    ...fields,
  });

  it('opens on a card and tells the whole story in order, with the calls to open', async () => {
    const missedCall = id();
    const againCall = id();
    const callBack = id();
    const item = makeWorkItem({ kind: 'missed_call', patientName: 'Ada Lovelace', callId: missedCall, callCount: 2 });
    const story = [
      entry('09:00', { action: 'created', callId: missedCall }),
      entry('09:01', { action: 'texted', note: 'Sorry we missed your call — reply here or call us back.' }),
      entry('09:05', { action: 'text_reply', note: 'Can you call after 3?' }),
      entry('09:10', { action: 'joined', callId: againCall, note: 'Called again.' }),
      entry('09:11', { action: 'text_not_sent', note: 'No text sent: this number was already texted today.' }),
      entry('09:20', { action: 'claimed', staff: sam }),
      entry('09:25', { action: 'released', staff: sam }),
      entry('09:30', { action: 'claimed', staff: dana, note: 'Took it over.' }),
      entry('09:31', { action: 'callback_started', staff: dana, callId: callBack }),
      entry('09:35', { action: 'callback_ended', callId: callBack, note: 'The assistant’s call-back: no answer.' }),
      entry('09:40', { action: 'done', staff: dana, outcome: 'called_back_booked', note: 'Booked for Tuesday.' }),
      entry('09:45', { action: 'reopened', staff: sam }),
    ];
    const fake = new FakeBridge({ workItems: [item], workItemHistory: new Map([[item.id, story]]) });
    const { container, stores } = renderConsole({ fake, route: { page: 'work-queue' } });
    const card = await screen.findByRole('listitem', { name: 'Missed call: Ada Lovelace' });
    const toggle = within(card).getByRole('button', { name: 'History: Ada Lovelace (Missed call)' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');

    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const list = await within(card).findByRole('list', { name: 'History: Ada Lovelace (Missed call)' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows.map((row) => row.querySelector('.work-history__what')?.textContent)).toEqual([
      'Created: missed call',
      'Texted the caller: “Sorry we missed your call — reply here or call us back.”',
      'The caller replied: “Can you call after 3?”',
      'The caller called again',
      'No text sent: this number was already texted today.',
      'Sam Okafor claimed it',
      'Sam Okafor released it',
      'Dana Reyes took it over',
      'Dana Reyes asked the assistant to call back',
      'Call-back ended: no answer',
      'Closed by Dana Reyes: called back — booked. Note: Booked for Tuesday.',
      'Sam Okafor reopened it',
    ]);
    // When, in the same local time as the rest of the page, machine-readable too.
    rows.forEach((row, i) => {
      const time = row.querySelector('time');
      expect(time).toHaveAttribute('datetime', story[i]!.at);
      expect(time).toHaveTextContent(formatDateTime(story[i]!.at));
    });
    // The calls that raised, joined and settled it open on their own page.
    expect(
      within(list)
        .getAllByRole('link')
        .map((link) => link.getAttribute('href')),
    ).toEqual([`#/calls/${missedCall}`, `#/calls/${againCall}`, `#/calls/${callBack}`, `#/calls/${callBack}`]);
    expect(await axeViolations(container)).toEqual([]);
    await userEvent.click(within(list).getByRole('link', { name: `Open call from ${formatDateTime(story[9]!.at)}` }));
    expect(stores.navigation.getState().route).toEqual({ page: 'call', callId: callBack });
    expect(fake.requestsOn('workItems.get')).toEqual([{ id: item.id }]);
  });

  it('says it is loading, then that nothing is recorded yet; closing hides it', async () => {
    const item = makeWorkItem({ patientName: 'Ada Lovelace' });
    const fake = new FakeBridge({ workItems: [item] });
    renderConsole({ fake, route: { page: 'work-queue' } });
    const card = await screen.findByRole('listitem', { name: 'Missed call: Ada Lovelace' });
    const held = fake.hold('workItems.get');
    const toggle = within(card).getByRole('button', { name: 'History: Ada Lovelace (Missed call)' });
    await userEvent.click(toggle);
    expect(await within(card).findByText('Loading the history')).toBeInTheDocument();
    held.release();
    expect(await within(card).findByText('Nothing recorded yet')).toBeInTheDocument();
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(within(card).queryByText('Nothing recorded yet')).not.toBeInTheDocument();
  });

  it('says why it could not load, and tries again', async () => {
    const item = makeWorkItem({ patientName: 'Ada Lovelace' });
    const fake = new FakeBridge({
      workItems: [item],
      workItemHistory: new Map([[item.id, [entry('09:00', { action: 'created' })]]]),
    });
    fake.fail('workItems.get', { code: 'unavailable', message: 'Can’t reach the Voxanne server.' });
    const { container } = renderConsole({ fake, route: { page: 'work-queue' } });
    const card = await screen.findByRole('listitem', { name: 'Missed call: Ada Lovelace' });
    await userEvent.click(within(card).getByRole('button', { name: 'History: Ada Lovelace (Missed call)' }));
    const alert = await within(card).findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the history.');
    expect(alert).toHaveTextContent('Can’t reach the Voxanne server.');
    expect(await axeViolations(container)).toEqual([]);

    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    const list = await within(card).findByRole('list', { name: 'History: Ada Lovelace (Missed call)' });
    expect(list).toHaveTextContent('Created: missed call');
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
    expect(fake.requestsOn('workItems.get')).toHaveLength(2);
  });

  it('loads again when its item changes, live or here, and not for other items', async () => {
    const item = makeWorkItem({ patientName: 'Ada Lovelace' });
    const other = makeWorkItem({ kind: 'callback_requested', patientName: 'Lena Park' });
    const fake = new FakeBridge({
      workItems: [item, other],
      workItemHistory: new Map([[item.id, [entry('09:00', { action: 'created' })]]]),
    });
    renderConsole({ fake, route: { page: 'work-queue' } });
    const card = await screen.findByRole('listitem', { name: 'Missed call: Ada Lovelace' });
    await userEvent.click(within(card).getByRole('button', { name: 'History: Ada Lovelace (Missed call)' }));
    const list = await within(card).findByRole('list', { name: 'History: Ada Lovelace (Missed call)' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);

    // Another item changing leaves this history alone.
    const otherClaimed = { ...other, status: 'claimed' as const, claimedBy: { id: id(), name: 'Bob Desk' }, updatedAt: later(0.01) };
    fake.world.workItems = [item, otherClaimed];
    act(() =>
      fake.pushEvents([event('work_item.changed', { item: otherClaimed, change: 'claimed', counts: countsOf(fake.world.workItems) })]),
    );
    expect(await screen.findByText('Bob Desk is on it')).toBeInTheDocument();
    expect(fake.requestsOn('workItems.get')).toHaveLength(1);

    // Another console claims this one: the event moves its updatedAt, and the history follows.
    const bob = { id: id(), name: 'Bob Desk' };
    const theirs = { ...item, status: 'claimed' as const, claimedBy: bob, claimedAt: at('09:20'), updatedAt: later(0.02) };
    fake.world.workItems = [theirs, otherClaimed];
    fake.world.workItemHistory.set(item.id, [
      ...fake.world.workItemHistory.get(item.id)!,
      entry('09:20', { action: 'claimed', staff: bob }),
    ]);
    act(() => fake.pushEvents([event('work_item.changed', { item: theirs, change: 'claimed', counts: countsOf(fake.world.workItems) })]));
    expect(await within(list).findByText('Bob Desk claimed it')).toBeInTheDocument();

    // Taking it over here changes it too.
    await userEvent.click(within(card).getByRole('button', { name: 'Take over' }));
    expect(await within(list).findByText('Dana Reyes took it over')).toBeInTheDocument();
    await waitFor(() => expect(fake.requestsOn('workItems.get')).toHaveLength(3));
  });

  it('is there for administrators too, on closed items as well', async () => {
    const closed = makeWorkItem({
      kind: 'callback_requested',
      status: 'done',
      patientName: 'Nina Holt',
      outcome: 'called_back_booked',
      doneAt: later(-1),
    });
    const fake = new FakeBridge({
      user: adminUser,
      workItems: [closed],
      workItemHistory: new Map([
        [
          closed.id,
          [
            entry('09:00', { action: 'created' }),
            entry('09:40', { action: 'done', outcome: 'called_back_booked', note: 'The assistant’s call-back: booked an appointment.' }),
          ],
        ],
      ]),
    });
    renderConsole({ fake, route: { page: 'work-queue' } });
    const row = await screen.findByRole('listitem', { name: 'Done: Nina Holt' });
    await userEvent.click(within(row).getByRole('button', { name: 'History: Nina Holt (Callback requested, done)' }));
    const list = await within(row).findByRole('list', { name: 'History: Nina Holt (Callback requested, done)' });
    expect(list).toHaveTextContent('Closed: called back — booked. Note: The assistant’s call-back: booked an appointment.');
  });
});

import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { makeWorkItem } from '../../test/factories';

describe('Work queue page', () => {
  const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

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

import { describe, expect, it } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { at, frontDeskUser, makeBooking, makeCall } from '../../test/factories';

const patientWorld = () =>
  new FakeBridge({
    calls: [makeCall({ patientName: 'Maria Lopez', callerNumber: '+447700900111', outcome: 'booked', startedAt: at('08:10') })],
    bookings: [makeBooking({ patientName: 'Tom Baker', startsAt: at('15:00'), endsAt: at('15:30') })],
  });

const PATIENT_DATA = /Maria|Lopez|Tom Baker|7700|900111/;

describe('Lock screen', () => {
  it('locks with Ctrl+L and keeps no patient data in the page or the stores', async () => {
    const fake = patientWorld();
    const { stores } = renderConsole({ fake });
    expect((await screen.findAllByText(/Maria Lopez/)).length).toBeGreaterThan(0);

    await userEvent.keyboard('{Control>}l{/Control}');

    expect(await screen.findByRole('heading', { name: 'Locked' })).toBeInTheDocument();
    expect(fake.requestsOn('session.lock')).toHaveLength(1);
    expect(document.body.textContent).not.toMatch(PATIENT_DATA);
    expect(JSON.stringify(stores.calls.getState())).not.toMatch(PATIENT_DATA);
    expect(stores.stats.getState().stats).toBeNull();
    expect(JSON.stringify(stores.bookings.getState())).not.toMatch(PATIENT_DATA);
  });

  it('keeps a wrong password locked, and catches up when main says so after the right one', async () => {
    const fake = patientWorld();
    renderConsole({ fake });
    await screen.findAllByText(/Maria Lopez/);
    await userEvent.click(screen.getByRole('button', { name: 'Lock' }));
    await screen.findByRole('heading', { name: 'Locked' });
    const listsBefore = fake.requestsOn('calls.list').length;

    await userEvent.keyboard('wrong{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('That password is not right.');
    expect(screen.getByRole('heading', { name: 'Locked' })).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(PATIENT_DATA);

    // A call that arrived while locked: the renderer never saw it; the reload after unlock brings it.
    fake.world.calls.unshift(makeCall({ patientName: 'Grace Hopper', startedAt: at('10:00') }));
    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.keyboard(`${fake.world.password}{Enter}`);
    expect((await screen.findAllByText(/Grace Hopper/)).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/Maria Lopez/).length).toBeGreaterThan(0);
    expect(fake.requestsOn('calls.list').length).toBeGreaterThan(listsBefore);
  });

  it('opens locked after a reload while locked, and asks for no clinic data until unlocked', async () => {
    const fake = patientWorld();
    fake.world.session = { status: 'locked', user: frontDeskUser };
    renderConsole({ fake });
    expect(await screen.findByRole('heading', { name: 'Locked' })).toBeInTheDocument();
    // The lock screen focuses its field in an effect, which can run after the heading appears.
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
    for (const channel of ['calls.list', 'dashboard.getStats', 'bookings.list'] as const) expect(fake.requestsOn(channel)).toEqual([]);

    await userEvent.keyboard(`${fake.world.password}{Enter}`);
    expect((await screen.findAllByText(/Maria Lopez/)).length).toBeGreaterThan(0);
  });

  it('ignores Ctrl+L on the sign-in screen, and Ctrl+Shift+L while signed in', async () => {
    const fake = patientWorld();
    renderConsole({ fake });
    await screen.findAllByText(/Maria Lopez/);
    await userEvent.keyboard('{Control>}{Shift>}L{/Shift}{/Control}');
    act(() => fake.push('session.onState', { status: 'signed-out', reason: null }));
    await screen.findByRole('heading', { name: 'Sign in' });
    await userEvent.keyboard('{Control>}l{/Control}');
    expect(fake.requestsOn('session.lock')).toEqual([]);
  });
});

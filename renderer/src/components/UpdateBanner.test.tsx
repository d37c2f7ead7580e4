import { describe, expect, it } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';

describe('Update banner', () => {
  it('appears when main reports a downloaded update, and restarts only on the click', async () => {
    const { fake } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    expect(screen.queryByRole('button', { name: 'Restart to update' })).not.toBeInTheDocument();

    fake.world.update = { status: 'ready', version: '1.4.0' };
    act(() => fake.push('updates.onState', fake.world.update));
    expect(await screen.findByText(/An update is ready — version 1\.4\.0/)).toBeInTheDocument();
    expect(fake.restarts).toBe(0);

    const hold = fake.hold('updates.restart');
    await userEvent.click(screen.getByRole('button', { name: 'Restart to update' }));
    expect(screen.getByRole('button', { name: 'Restarting…' })).toBeDisabled();
    hold.release();
    await waitFor(() => expect(fake.restarts).toBe(1));
    expect(fake.requestsOn('updates.restart')).toEqual([{ confirmed: true }]);
    expect(await axeViolations()).toEqual([]);
  });

  it('shows an update that was ready before the window opened', async () => {
    renderConsole({ world: { update: { status: 'ready', version: '2.0.0' } } });
    expect(await screen.findByText(/An update is ready — version 2\.0\.0/)).toBeInTheDocument();
  });

  it('says why when the restart is refused', async () => {
    const { fake } = renderConsole({ world: { update: { status: 'ready', version: '2.0.0' } } });
    fake.fail('updates.restart', { code: 'forbidden', message: 'The console is locked. Enter your password to unlock it.' });
    await userEvent.click(await screen.findByRole('button', { name: 'Restart to update' }));
    expect(await screen.findByText(/The console is locked/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Restart to update' })).toBeEnabled();
  });
});

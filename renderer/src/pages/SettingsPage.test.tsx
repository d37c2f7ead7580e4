import { describe, expect, it } from 'vitest';
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';

describe('Settings', () => {
  it('shows loading, then the settings and what version is running', async () => {
    const fake = new FakeBridge();
    const held = fake.hold('settings.get');
    renderConsole({ fake, route: { page: 'settings' } });
    expect(await screen.findByText('Loading settings…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByLabelText('A call comes in')).toBeChecked();
    expect(screen.getByText('0.1.0')).toBeInTheDocument();
    expect(screen.getByText('Browser host on linux')).toBeInTheDocument();
    expect(screen.getByLabelText('Lock the console when idle')).toHaveDisplayValue('After 15 minutes');
  });

  it('saves each change at once and shows it', async () => {
    const { fake } = renderConsole({ route: { page: 'settings' } });
    await userEvent.click(await screen.findByLabelText('The assistant books an appointment'));
    await userEvent.click(screen.getByLabelText('No notifications during quiet hours'));
    await userEvent.selectOptions(screen.getByLabelText('Lock the console when idle'), 'Never');
    await userEvent.click(screen.getByLabelText('Dark'));
    const last = fake.requestsOn('settings.update').at(-1);
    expect(last).toEqual({
      notifications: { inboundCall: true, booking: false, attention: true, paused: false },
      quietHours: { enabled: true, start: '20:00', end: '07:00' },
      autoLockMinutes: 0,
      startAtLogin: false,
      theme: 'dark',
    });
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('explains that start at login needs the installed app', async () => {
    renderConsole({ route: { page: 'settings' } });
    const toggle = await screen.findByLabelText('Start Voxanne Desk when I sign in to this computer');
    expect(toggle).toBeDisabled();
    expect(toggle).toHaveAccessibleDescription(/only in the installed desktop app/);
  });

  it('puts a refused change back and says why', async () => {
    const fake = new FakeBridge();
    fake.fail('settings.update', { code: 'internal', message: 'The settings file could not be written.' });
    renderConsole({ fake, route: { page: 'settings' } });
    const paused = await screen.findByLabelText('Pause all notifications');
    await userEvent.click(paused);
    expect(await screen.findByRole('alert')).toHaveTextContent('The settings file could not be written.');
    expect(paused).not.toBeChecked();
  });

  it('follows changes made elsewhere (the tray\'s "Pause notifications")', async () => {
    const { fake } = renderConsole({ route: { page: 'settings' } });
    const paused = await screen.findByLabelText('Pause all notifications');
    act(() =>
      fake.push('settings.onChanged', { ...fake.world.settings, notifications: { ...fake.world.settings.notifications, paused: true } }),
    );
    expect(paused).toBeChecked();
  });

  it('shows an error with a retry when the settings cannot be loaded', async () => {
    const fake = new FakeBridge();
    fake.fail('settings.get', { code: 'internal', message: 'The settings file is unreadable.' });
    renderConsole({ fake, route: { page: 'settings' } });
    expect(await screen.findByText('The settings file is unreadable.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('A call comes in')).toBeChecked();
  });

  it('warns when sign-in cannot be kept across restarts on this computer', async () => {
    const fake = new FakeBridge();
    fake.world.appInfo = {
      ...fake.world.appInfo,
      tokenStorage: { persistent: false, warning: 'This computer has no keychain: you will sign in again after a restart.' },
    };
    renderConsole({ fake, route: { page: 'settings' } });
    expect(await screen.findByText('This computer has no keychain: you will sign in again after a restart.')).toBeInTheDocument();
    expect(screen.getByText('This session only')).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ route: { page: 'settings' } });
    await screen.findByLabelText('A call comes in');
    expect(await axeViolations()).toEqual([]);
  });

  it('sets my own number for taking calls, checks it as typed, and can go back to the clinic’s number', async () => {
    const { fake } = renderConsole({ route: { page: 'settings' } });
    const field = await screen.findByLabelText('My number for taking calls');
    await userEvent.type(field, '020 7946 0123');
    await userEvent.click(screen.getByRole('button', { name: 'Save my number' }));
    expect(await screen.findByText(/Include the country code/)).toBeInTheDocument();
    expect(fake.requestsOn('callControl.setTransferNumber')).toEqual([]);

    await userEvent.clear(field);
    await userEvent.type(field, '+44 20 7946 0123');
    await userEvent.click(screen.getByRole('button', { name: 'Save my number' }));
    expect(await screen.findByText(/Calls you take now come to/)).toBeInTheDocument();
    expect(fake.requestsOn('callControl.setTransferNumber')).toEqual([{ transferNumber: '+442079460123' }]);
    expect(fake.transferNumber).toBe('+442079460123');
    expect(await axeViolations()).toEqual([]);

    await userEvent.click(screen.getByRole('button', { name: 'Use the clinic’s number' }));
    expect(await screen.findByText('Calls you take now go to the clinic’s number.')).toBeInTheDocument();
    expect(fake.transferNumber).toBeNull();
    expect(field).toHaveValue('');
  });
});

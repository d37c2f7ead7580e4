import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { adminUser } from '../../test/factories';

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

  describe('the clinic’s work-queue settings', () => {
    it('are for administrators only', async () => {
      renderConsole({ route: { page: 'settings' } });
      await screen.findByLabelText('A call comes in');
      expect(screen.queryByRole('form', { name: 'Work queue settings' })).not.toBeInTheDocument();
    });

    it('turn the missed-call text-back on with its words and hours, and the callback window, saved with a button', async () => {
      const { fake, container } = renderConsole({ world: { user: adminUser }, route: { page: 'settings' } });
      const form = await screen.findByRole('form', { name: 'Work queue settings' });
      const save = within(form).getByRole('button', { name: 'Save work queue settings' });
      expect(save).toBeDisabled();
      expect(within(form).getByLabelText('Text')).toHaveValue('Sorry we missed your call — reply here or call us back.');
      expect(within(form).getByLabelText('Text')).toBeDisabled();
      await userEvent.click(within(form).getByLabelText('Text missed callers back'));
      await userEvent.clear(within(form).getByLabelText('Text'));
      await userEvent.type(within(form).getByLabelText('Text'), 'We missed you. Reply here.');
      await userEvent.selectOptions(within(form).getByLabelText('Call missed callers and messages back within'), '1 hour');
      // The hours must end after they start: said, and nothing sent.
      fireEvent.change(within(form).getByLabelText('Texting from'), { target: { value: '21:00' } });
      await userEvent.click(save);
      expect(within(form).getByRole('alert')).toHaveTextContent('The texting hours must end after they start.');
      expect(fake.requestsOn('clinic.updateSettings')).toEqual([]);
      fireEvent.change(within(form).getByLabelText('Texting from'), { target: { value: '08:30' } });
      await userEvent.click(save);
      expect(await within(form).findByText('Saved.')).toBeInTheDocument();
      expect(fake.requestsOn('clinic.updateSettings')).toEqual([
        {
          textBackEnabled: true,
          textBackMessage: 'We missed you. Reply here.',
          textBackFrom: '08:30',
          textBackUntil: '20:00',
          callbackWindowMinutes: 60,
        },
      ]);
      expect(fake.world.clinicSettings).toMatchObject({ textBackEnabled: true, callbackWindowMinutes: 60 });
      expect(save).toBeDisabled();
      expect(fake.violations).toEqual([]);
      expect(await axeViolations(container)).toEqual([]);
    });

    it('say why a save was refused and keep the change', async () => {
      const fake = new FakeBridge({ user: adminUser });
      fake.fail('clinic.updateSettings', { code: 'forbidden', message: 'Only a clinic administrator can change the clinic’s settings.' });
      renderConsole({ fake, route: { page: 'settings' } });
      const form = await screen.findByRole('form', { name: 'Work queue settings' });
      await userEvent.click(within(form).getByLabelText('Text missed callers back'));
      await userEvent.click(within(form).getByRole('button', { name: 'Save work queue settings' }));
      expect(await within(form).findByRole('alert')).toHaveTextContent('Only a clinic administrator can change the clinic’s settings.');
      expect(within(form).getByLabelText('Text missed callers back')).toBeChecked();
    });
  });

  describe('clinic records and privacy (administrators)', () => {
    const adminFake = () => new FakeBridge({ user: adminUser });
    const panel = () => screen.getByRole('form', { name: 'Clinic records and privacy' });

    it('is not shown to front desk', async () => {
      const { fake } = renderConsole({ route: { page: 'settings' } });
      await screen.findByLabelText('A call comes in');
      expect(screen.queryByRole('heading', { name: 'Clinic records and privacy' })).not.toBeInTheDocument();
      expect(fake.requestsOn('clinic.getSettings')).toEqual([]);
    });

    it('shows the retention days with their ranges and the redaction switch', async () => {
      const fake = adminFake();
      const held = fake.hold('clinic.getSettings');
      renderConsole({ fake, route: { page: 'settings' } });
      expect(await screen.findByText('Loading clinic settings…')).toBeInTheDocument();
      held.release();
      const transcripts = await screen.findByLabelText('Keep transcripts and recordings (days)');
      expect(transcripts).toHaveValue(90);
      expect(transcripts).toHaveAccessibleDescription(/7–3650/);
      expect(screen.getByLabelText('Keep call records (days)')).toHaveValue(730);
      expect(screen.getByLabelText('Keep the activity log (days)')).toHaveAccessibleDescription(/2192–36500/);
      expect(screen.getByLabelText('Store transcripts redacted')).not.toBeChecked();
    });

    it('saves retention and redaction with one button', async () => {
      const { fake } = renderConsole({ fake: adminFake(), route: { page: 'settings' } });
      const transcripts = await screen.findByLabelText('Keep transcripts and recordings (days)');
      await userEvent.clear(transcripts);
      await userEvent.type(transcripts, '30');
      await userEvent.click(screen.getByLabelText('Store transcripts redacted'));
      await userEvent.click(within(panel()).getByRole('button', { name: 'Save clinic settings' }));
      expect(await within(panel()).findByText('Saved.')).toBeInTheDocument();
      expect(fake.requestsOn('clinic.updateSettings')).toEqual([
        { transcriptRetentionDays: 30, callRetentionDays: 730, auditRetentionDays: 2192, storeTranscriptsRedacted: true },
      ]);
      expect(fake.world.clinicSettings.storeTranscriptsRedacted).toBe(true);
    });

    it('refuses days out of range, and calls kept shorter than transcripts, before asking the server', async () => {
      const { fake } = renderConsole({ fake: adminFake(), route: { page: 'settings' } });
      const audit = await screen.findByLabelText('Keep the activity log (days)');
      await userEvent.clear(audit);
      await userEvent.type(audit, '365');
      const calls = screen.getByLabelText('Keep call records (days)');
      await userEvent.clear(calls);
      await userEvent.type(calls, '30');
      await userEvent.click(within(panel()).getByRole('button', { name: 'Save clinic settings' }));
      expect(audit).toHaveAccessibleDescription('Enter a whole number of days from 2192 to 36500.');
      expect(audit).toHaveAttribute('aria-invalid', 'true');
      expect(calls).toHaveAccessibleDescription('Keep call records at least as long as transcripts.');
      expect(fake.requestsOn('clinic.updateSettings')).toEqual([]);
    });

    it('says why the server refused', async () => {
      const fake = adminFake();
      fake.fail('clinic.updateSettings', { code: 'forbidden', message: 'Only a clinic administrator can change the clinic settings.' });
      renderConsole({ fake, route: { page: 'settings' } });
      await screen.findByLabelText('Store transcripts redacted');
      await userEvent.click(within(panel()).getByRole('button', { name: 'Save clinic settings' }));
      expect(await within(panel()).findByRole('alert')).toHaveTextContent('Only a clinic administrator');
    });

    it('has no accessibility violations', async () => {
      renderConsole({ fake: adminFake(), route: { page: 'settings' } });
      await screen.findByLabelText('Store transcripts redacted');
      expect(await axeViolations()).toEqual([]);
    });
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

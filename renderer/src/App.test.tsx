import { describe, expect, it } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderConsole } from '../test/render-console';
import { makeCall } from '../test/factories';

describe('Console navigation', () => {
  it('opens the call a notification was clicked for', async () => {
    const call = makeCall({ patientName: 'Omar Haddad' });
    const { fake } = renderConsole({ world: { calls: [call] } });
    await screen.findByRole('heading', { name: 'Dashboard' });
    act(() => fake.push('app.onNavigate', { page: 'call', callId: call.id }));
    expect(await screen.findByRole('heading', { name: 'Call with Omar Haddad' })).toBeInTheDocument();
    expect(window.location.hash).toBe(`#/calls/${call.id}`);
  });

  it('moves between screens from the navigation with the keyboard and lands focus on the new heading', async () => {
    renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(nav).toBeInTheDocument();
    screen.getByRole('link', { name: 'Settings' }).focus();
    await userEvent.keyboard('{Enter}');
    const heading = await screen.findByRole('heading', { name: 'Settings', level: 1 });
    // The lazily loaded screen renders outside act: its focus effect may run after it appears.
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
  });

  it('follows Back and Forward through the address', async () => {
    renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    await userEvent.click(screen.getByRole('link', { name: 'Knowledge base' }));
    expect(await screen.findByRole('heading', { name: 'Knowledge base' })).toBeInTheDocument();
    act(() => {
      window.location.hash = '#/dashboard';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });

  it('offers a skip link to the main content', async () => {
    renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    await userEvent.tab();
    const skip = screen.getByRole('link', { name: 'Skip to content' });
    expect(skip).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('heading', { name: 'Dashboard' })).toHaveFocus();
    expect(screen.getByRole('main')).toBeInTheDocument();
  });

  it('applies the chosen theme to the document', async () => {
    const { fake } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    expect(document.documentElement.dataset.theme).toBeUndefined();
    act(() => fake.push('settings.onChanged', { ...fake.world.settings, theme: 'dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('reports activity to the main process at most once per 10 s so the idle lock waits', async () => {
    const { fake } = renderConsole();
    await screen.findByRole('heading', { name: 'Dashboard' });
    await userEvent.keyboard('a');
    await userEvent.keyboard('b');
    await userEvent.click(document.body);
    expect(fake.requestsOn('session.reportActivity')).toHaveLength(1);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen } from '@testing-library/react';
import { renderConsole } from '../../test/render-console';
import { liveConnection } from '../../test/fake-bridge';
import { clockSubscriberCount } from '../hooks/use-now';

describe('Connection indicator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows green "Live" only while the stream is live', async () => {
    const { fake } = renderConsole();
    expect(await screen.findByText('Live')).toBeInTheDocument();
    expect(screen.getByText('Live').closest('.connection')).toHaveClass('connection--live');
    expect(screen.queryByRole('button', { name: 'Retry now' })).not.toBeInTheDocument();

    act(() => fake.push('connection.onState', liveConnection({ status: 'connecting', reason: null })));
    expect(screen.queryByText('Live')).not.toBeInTheDocument();
    expect(screen.getByText('Connecting…').closest('.connection')).not.toHaveClass('connection--live');
  });

  it('says "Disconnected", the reason and the seconds until the next attempt, counting down', async () => {
    const { fake } = renderConsole();
    await screen.findByText('Live');
    const nextRetryAt = new Date(Date.now() + 4000).toISOString();
    act(() =>
      fake.push(
        'connection.onState',
        liveConnection({ status: 'reconnecting', reason: "Can't reach the Voxanne server", nextRetryAt, attempt: 3 }),
      ),
    );
    expect(screen.getByText('Disconnected')).toBeInTheDocument();
    expect(screen.getByText("Can't reach the Voxanne server")).toBeInTheDocument();
    expect(screen.getByText('Reconnecting in 4 s')).toBeInTheDocument();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(screen.getByText('Reconnecting in 2 s')).toBeInTheDocument();
  });

  it('retries at once when asked, showing progress', async () => {
    const { fake } = renderConsole();
    await screen.findByText('Live');
    act(() => fake.push('connection.onState', liveConnection({ status: 'offline', reason: 'This computer is offline.', attempt: 5 })));
    const held = fake.hold('connection.retryNow');
    act(() => screen.getByRole('button', { name: 'Retry now' }).click());
    expect(await screen.findByRole('button', { name: 'Retrying…' })).toBeDisabled();
    held.release();
    expect(await screen.findByText('Connecting…')).toBeInTheDocument();
    expect(fake.requestsOn('connection.retryNow')).toHaveLength(1);
  });

  it('releases its subscriptions and clock when the console closes', async () => {
    const { fake, unmount } = renderConsole();
    await screen.findByText('Live');
    act(() =>
      fake.push(
        'connection.onState',
        liveConnection({ status: 'reconnecting', reason: 'Lost', nextRetryAt: new Date(Date.now() + 8000).toISOString() }),
      ),
    );
    expect(clockSubscriberCount()).toBeGreaterThan(0);
    expect(fake.listenerCount('live.onBatch')).toBe(1);
    unmount();
    expect(clockSubscriberCount()).toBe(0);
    for (const channel of ['live.onBatch', 'connection.onState', 'session.onState', 'settings.onChanged', 'app.onNavigate'] as const) {
      expect(fake.listenerCount(channel)).toBe(0);
    }
  });
});

// The live connection end to end: the real renderer in Chromium, the real main-process core in the
// browser host, the real backend in sandbox mode. The backend crashes and comes back; the console
// goes Disconnected → Live on its own and has every event, including those made while it was away.
import { LIVE_PROTOCOL, type LiveServerMessage } from '@voxanne/protocol';
import { WebSocket } from 'ws';
import { apiSession, expect, signIn, test } from './support/desk.js';

/** Every event seq the backend's log holds for the clinic, read as a fresh console would. */
async function backendSeqs(backendUrl: string, accessToken: string): Promise<number[]> {
  const ws = new WebSocket(`${backendUrl.replace('http', 'ws')}/ws/live-calls`, [LIVE_PROTOCOL, `auth.${accessToken}`]);
  const seqs: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no replay-complete within 15 s')), 15_000);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as LiveServerMessage;
      if (message.type === 'hello') ws.send(JSON.stringify({ type: 'resume', afterSeq: 0 }));
      if (message.type === 'event') seqs.push(message.event.seq);
      if (message.type === 'replay-complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  ws.close();
  return seqs;
}

test.describe('Live console through the browser host', () => {
  test('signs in, goes live, rides out a backend crash and loses no event', async ({ page, desk }) => {
    await signIn(page, desk.host);
    const connection = page.locator('.connection__state');
    await expect(connection).toHaveText(/^Live/, { timeout: 30_000 });

    // Something happens while everyone is connected.
    const before = await apiSession(desk.backend.url);
    expect((await before.post('/api/test-calls/phone', { phoneNumber: '+442079460958' })).status).toBe(202);
    await expect.poll(async () => (await desk.host.live()).recentSeqs.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const seqBeforeCrash = (await desk.host.live()).connection.lastSeq;

    await desk.backend.kill();
    await expect(connection).toContainText('Disconnected', { timeout: 20_000 });
    await expect(connection).toContainText(/Can't reach the Voxanne server|Lost contact/);

    // Stay down until the console is in its long backoff (attempt 5 waits 12.8–16 s), then come
    // back and place a call at once: the console is still away when it happens, so it only gets
    // that call by resuming from the last seq it saw.
    await expect.poll(async () => (await desk.host.live()).connection.attempt, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    const restartedAt = Date.now();
    await desk.backend.start();
    const after = await apiSession(desk.backend.url);
    expect((await after.post('/api/test-calls/phone', { phoneNumber: '+442079460958' })).status).toBe(202);
    const awayWhenPlaced = (await desk.host.live()).connection.status !== 'live';
    test.info().annotations.push({
      type: 'outage',
      description: `backend restart took ${Date.now() - restartedAt} ms; the call was placed while the console was ${awayWhenPlaced ? 'still reconnecting' : 'already live'}`,
    });

    await expect(connection).toHaveText(/^Live/, { timeout: 60_000 });

    // The console holds the newest events (at most 100) with no gap, ending where the backend's log ends.
    await expect
      .poll(
        async () => {
          const expected = await backendSeqs(desk.backend.url, after.accessToken);
          const held = (await desk.host.live()).recentSeqs;
          return held.length > 0 && held.join(',') === expected.slice(-held.length).join(',');
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const held = (await desk.host.live()).recentSeqs;
    expect(held.at(-1)).toBeGreaterThan(seqBeforeCrash);
    for (let i = 1; i < held.length; i++) expect(held[i]).toBe(held[i - 1]! + 1);
  });
});

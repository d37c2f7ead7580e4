import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { event, makeCall } from '../../test/factories';
import type { CallSummary } from '@voxanne/protocol';

// jsdom does no layout; give the virtualised list's scroller a real-looking viewport.
const VIEWPORT = 600;
let restore: () => void;
beforeAll(() => {
  // TanStack Virtual measures the scroller's client box.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => VIEWPORT });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
  // A box's scrollable height is its content's: the virtual canvas carries it as a style.
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      const content = this.firstElementChild instanceof HTMLElement ? parseFloat(this.firstElementChild.style.height) : 0;
      return Math.max(VIEWPORT, content || 0);
    },
  });
  // jsdom has no scrolling; do what a browser does: move, then fire `scroll` on a later task.
  const scrollTo = Element.prototype.scrollTo;
  Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number) {
    if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
    setTimeout(() => this.dispatchEvent(new Event('scroll')), 0);
  } as typeof Element.prototype.scrollTo;
  restore = () => {
    Element.prototype.scrollTo = scrollTo;
    // Remove the overrides so Element.prototype's own getters apply again.
    Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight');
    Reflect.deleteProperty(HTMLElement.prototype, 'clientWidth');
    Reflect.deleteProperty(HTMLElement.prototype, 'scrollHeight');
  };
});
afterAll(() => restore());

function manyCalls(count: number): CallSummary[] {
  const start = Date.parse('2026-03-02T18:00:00.000Z');
  return Array.from({ length: count }, (_, i) => {
    const when = new Date(start - i * 60_000).toISOString();
    return makeCall({ patientName: `Patient ${i + 1}`, startedAt: when, createdAt: when });
  });
}

const rows = () => screen.getAllByRole('row').filter((r) => r.hasAttribute('data-index'));

describe('Call history', () => {
  it('shows loading, then the newest calls first', async () => {
    const fake = new FakeBridge({ calls: manyCalls(3) });
    const held = fake.hold('calls.list');
    renderConsole({ fake, route: { page: 'calls' } });
    expect(await screen.findByText('Loading calls…')).toBeInTheDocument();
    held.release();
    expect(await screen.findByRole('link', { name: 'Patient 1' })).toBeInTheDocument();
    expect(rows().map((r) => within(r).getByRole('link').textContent)).toEqual(['Patient 1', 'Patient 2', 'Patient 3']);
  });

  it('says there are no calls yet, or none matching the filters', async () => {
    renderConsole({ route: { page: 'calls' } });
    expect(await screen.findByText('No calls yet')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Outcome'), 'Missed');
    expect(await screen.findByText('No calls match these filters')).toBeInTheDocument();
  });

  it('renders only the rows in view of 10,000 calls and fetches pages by cursor as it scrolls', async () => {
    const { fake } = renderConsole({ world: { calls: manyCalls(10_000) }, route: { page: 'calls' } });
    await screen.findByRole('link', { name: 'Patient 1' });
    // One viewport (~11 rows) plus overscan: never thousands.
    expect(rows().length).toBeLessThan(40);
    expect(fake.requestsOn('calls.list').filter((r) => (r as { limit: number }).limit === 100)).toHaveLength(1);

    const scroller = document.querySelector('.history__scroller')!;
    const cursors = () => (fake.requestsOn('calls.list') as { cursor?: string }[]).map((r) => r.cursor).filter(Boolean);
    for (let page = 1; page <= 3; page++) {
      act(() => {
        scroller.scrollTop = page * 100 * 56 - VIEWPORT;
        scroller.dispatchEvent(new Event('scroll'));
      });
      // The next page is asked for once this one's rows are near the bottom: wait for that request, and its rows.
      await waitFor(() => expect(cursors()).toContain(String(page * 100)));
      await waitFor(() => expect(screen.getByText(`${(page + 1) * 100}+ calls`)).toBeInTheDocument());
    }
    expect(cursors()).toEqual(['100', '200', '300']);
    expect(rows().length).toBeLessThan(40);
    expect(screen.getByText('400+ calls')).toBeInTheDocument();
  });

  it('searches as you type and filters, sending the protocol query', async () => {
    const calls = [makeCall({ patientName: 'Maria Lopez', outcome: 'booked' }), makeCall({ patientName: 'Tom Baker', outcome: 'missed' })];
    const { fake } = renderConsole({ world: { calls }, route: { page: 'calls' } });
    await screen.findByRole('link', { name: 'Tom Baker' });
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'maria');
    expect(await screen.findByText('1 call')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Tom Baker' })).not.toBeInTheDocument();
    expect(fake.requestsOn('calls.list').at(-1)).toEqual({ q: 'maria', limit: 100 });

    await userEvent.clear(screen.getByRole('searchbox', { name: 'Search' }));
    await userEvent.selectOptions(screen.getByLabelText('Outcome'), 'Missed');
    await userEvent.type(screen.getByLabelText('From'), '2026-03-01');
    expect(await screen.findByRole('link', { name: 'Tom Baker' })).toBeInTheDocument();
    expect(fake.requestsOn('calls.list').at(-1)).toEqual({ outcome: 'missed', from: '2026-03-01', limit: 100 });
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByText('2 calls')).toBeInTheDocument();
  });

  it('shows an error with a retry when the list cannot be loaded', async () => {
    const fake = new FakeBridge({ calls: manyCalls(2) });
    fake.fail('calls.list', { code: 'unavailable', message: "Can't reach the Voxanne server." }, 2);
    renderConsole({ fake, route: { page: 'calls' } });
    expect(await screen.findByText('The call history could not be loaded.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'Patient 1' })).toBeInTheDocument();
  });

  it('moves between rows with the arrow keys, Home and End, and opens a call with Enter', async () => {
    renderConsole({ world: { calls: manyCalls(50) }, route: { page: 'calls' } });
    const first = await screen.findByRole('link', { name: 'Patient 1' });
    first.focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(screen.getByRole('link', { name: 'Patient 3' })).toHaveFocus();
    await userEvent.keyboard('{ArrowUp}');
    expect(screen.getByRole('link', { name: 'Patient 2' })).toHaveFocus();
    await userEvent.keyboard('{End}');
    // The row takes focus once the list has scrolled it into the DOM, which is after it appears.
    await waitFor(() => expect(screen.getByRole('link', { name: 'Patient 50' })).toHaveFocus());
    await userEvent.keyboard('{Home}');
    await waitFor(() => expect(screen.getByRole('link', { name: 'Patient 1' })).toHaveFocus());
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'Call with Patient 1' })).toBeInTheDocument();
  });

  it('offers calls that ended while the list was open instead of pushing rows around', async () => {
    const { fake } = renderConsole({ world: { calls: manyCalls(5) }, route: { page: 'calls' } });
    await screen.findByRole('link', { name: 'Patient 1' });
    const newcomer = makeCall({
      patientName: 'Late Caller',
      startedAt: new Date().toISOString(),
      createdAt: new Date().toISOString(),
      endedAt: new Date(Date.now() + 1000).toISOString(),
    });
    fake.world.calls.push(newcomer);
    act(() => fake.pushEvents([event('call.ended', { call: newcomer })]));
    expect(rows()[0]).toHaveTextContent('Patient 1');
    await userEvent.click(await screen.findByRole('button', { name: 'Show 1 new call' }));
    expect(await screen.findByRole('link', { name: 'Late Caller' })).toBeInTheDocument();
    expect(rows()[0]).toHaveTextContent('Late Caller');
  });

  it('has no accessibility violations', async () => {
    renderConsole({ world: { calls: manyCalls(20) }, route: { page: 'calls' } });
    await screen.findByRole('link', { name: 'Patient 1' });
    expect(await axeViolations()).toEqual([]);
  });
});

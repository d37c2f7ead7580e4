// Renders the whole console against a FakeBridge, the way main.tsx does in the app, and checks
// after each test that nothing spoke to the bridge outside the protocol.
import { render, type RenderResult } from '@testing-library/react';
import { afterEach, expect } from 'vitest';
import axe from 'axe-core';
import { ConsoleRoot } from '../src/App';
import { createConsoleStores, type ConsoleStores } from '../src/stores/console-stores';
import { routeToHash, type Route } from '../src/stores/navigation-store';
import { FakeBridge, type FakeWorld } from './fake-bridge';
import type { ListenEnvironment } from '../src/listen/call-listener';

export interface RenderedConsole extends RenderResult {
  fake: FakeBridge;
  stores: ConsoleStores;
}

const rendered: FakeBridge[] = [];
afterEach(() => {
  for (const fake of rendered.splice(0)) expect(fake.violations).toEqual([]);
  window.history.replaceState(null, '', '#/');
});

export function renderConsole(
  options: { world?: Partial<FakeWorld>; fake?: FakeBridge; route?: Route; listenEnvironment?: () => ListenEnvironment } = {},
): RenderedConsole {
  const fake = options.fake ?? new FakeBridge(options.world);
  rendered.push(fake);
  const route = options.route ?? { page: 'dashboard' };
  window.history.replaceState(null, '', routeToHash(route));
  const stores = createConsoleStores(fake.bridge, route);
  const result = render(<ConsoleRoot bridge={fake.bridge} stores={stores} listenEnvironment={options.listenEnvironment} />);
  return { ...result, fake, stores };
}

/** Runs axe-core on what is rendered. Colour contrast needs real layout: the e2e suite checks it in Chromium. */
export async function axeViolations(container: Element = document.body): Promise<string[]> {
  const results = await axe.run(container, {
    rules: { 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return results.violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

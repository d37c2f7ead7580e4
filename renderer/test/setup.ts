// Vitest setup for the renderer project (jsdom): jest-dom matchers, and unmount after every test so
// each test's subscriptions and timers are released before the next begins.
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
});

// findBy*/waitFor wait for a condition; their timeout is only the point at which a test gives up.
// The default (1 s) turned a slow, loaded machine into failures ("Loading calls…" not found), so give
// up late instead. Transient states are held open by the fake bridge's hold() until released.
configure({ asyncUtilTimeout: 10_000 });

// jsdom has no canvas; axe-core probes one for icon fonts and copes with null, but jsdom would log
// "not implemented" for every probe.
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

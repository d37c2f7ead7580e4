// Vitest setup for the renderer project (jsdom): jest-dom matchers, and unmount after every test so
// each test's subscriptions and timers are released before the next begins.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
});

// jsdom has no canvas; axe-core probes one for icon fonts and copes with null, but jsdom would log
// "not implemented" for every probe.
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

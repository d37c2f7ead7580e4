// Builds the console UI into renderer/dist. Relative asset paths because the same files are served
// from Electron's `app://` protocol and from the browser host's loopback HTTP server; no inline
// script or style anywhere, so the strict CSP set by the main process holds.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome130',
    // Chromium supports module preload natively; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});

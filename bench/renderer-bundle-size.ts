// Production bundle size of the console (issue 6): the JavaScript a window must fetch before it can
// start (the entry script and its modulepreloads), gzip-compressed, against the budget of 250 kB.
// Lazily loaded screens and the stylesheet are listed too.
//
//   node --conditions=@voxanne/source --import tsx bench/renderer-bundle-size.ts
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildRenderer, report } from './renderer-support.js';

const BUDGET_KB = 250;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).byteLength;

const { dir, cleanup } = await buildRenderer();
try {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const initial = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="\.\/([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\.\/([^"]+)"/g),
  ].map((m) => m[1] ?? '');
  const assets = readdirSync(path.join(dir, 'assets'));
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
  const css = assets.filter((f) => f.endsWith('.css')).map((f) => `assets/${f}`);
  const initialGzip = initial.reduce((sum, f) => sum + gz(path.join(dir, f)), 0);
  const initialRaw = initial.reduce((sum, f) => sum + readFileSync(path.join(dir, f)).byteLength, 0);
  const lazy = js.filter((f) => !initial.includes(f));
  const rows: [string, string][] = [
    ['initial JS (gzip -9)', kb(initialGzip)],
    ['initial JS (minified)', kb(initialRaw)],
    ...initial.map((f): [string, string] => [`  ${f}`, kb(gz(path.join(dir, f)))]),
    ['lazy JS chunks (gzip, total)', `${kb(lazy.reduce((s, f) => s + gz(path.join(dir, f)), 0))} in ${lazy.length} chunks`],
    ['CSS (gzip)', kb(css.reduce((s, f) => s + gz(path.join(dir, f)), 0))],
  ];
  report('Renderer production bundle', rows, {
    key: 'renderer.initialJsKb',
    label: 'initial JS (gzip)',
    figure: initialGzip / 1024,
    op: '<',
    limit: BUDGET_KB,
    unit: ' kB',
  });
} finally {
  cleanup();
}

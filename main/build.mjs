// Builds what Electron runs: the main process as one ES module bundle, the preload as CommonJS
// (sandboxed preloads cannot load ES modules), the tray and app icons, and the renderer (Vite).
// Output: dist/electron/{main.mjs,preload.cjs,icons/}, dist/icons/icon.png, renderer/dist/.
//
//   node main/build.mjs            # everything
//   node main/build.mjs --no-renderer
//
// VOXANNE_BACKEND_URL at build time is baked in as the packaged app's backend (a double-clicked
// app has no environment); at run time the variable still overrides it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { writeIcons } from '../build/icons.mjs';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist/electron');
const say = (line) => process.stderr.write(`build: ${line}\n`);

const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  conditions: ['@voxanne/source'],
  // ws's optional native speed-ups; it falls back to JavaScript without them.
  external: ['electron', 'bufferutil', 'utf-8-validate'],
};

await build({
  ...common,
  entryPoints: [path.join(root, 'main/electron/main.ts')],
  outfile: path.join(out, 'main.mjs'),
  platform: 'node',
  format: 'esm',
  target: 'node22',
  define: { 'process.env.VOXANNE_BUILD_BACKEND_URL': JSON.stringify(process.env.VOXANNE_BACKEND_URL ?? '') },
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: {
    js: "import { createRequire as __voxanneCreateRequire } from 'node:module'; const require = __voxanneCreateRequire(import.meta.url);",
  },
});
say('dist/electron/main.mjs');

await build({
  ...common,
  entryPoints: [path.join(root, 'main/preload.ts')],
  outfile: path.join(out, 'preload.cjs'),
  platform: 'browser',
  format: 'cjs',
  target: 'chrome130',
  minify: true,
});
say('dist/electron/preload.cjs');

writeIcons({ appDir: path.join(root, 'dist/icons'), trayDir: path.join(out, 'icons') });
say('icons');

if (!process.argv.includes('--no-renderer')) {
  const result = spawnSync('npm', ['run', 'build', '-w', '@voxanne/renderer'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  say('renderer/dist');
}

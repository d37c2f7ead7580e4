// Builds what Electron runs: the main process as one ES module bundle, the preload as CommonJS
// (sandboxed preloads cannot load ES modules), the tray and app icons, and the renderer (Vite).
// Output: dist/electron/{main.mjs,preload.cjs,icons/}, dist/icons/icon.png, renderer/dist/.
//
//   node main/build.mjs            # everything
//   node main/build.mjs --no-renderer
//
// VOXANNE_BACKEND_URL and VOXANNE_UPDATE_URL at build time are baked in as the packaged app's
// backend and update feed (a double-clicked app has no environment); at run time the variables
// still override them. main/core/config.ts checks them when the app starts; the build refuses the
// same mistakes early, so no installer ships that would only show a configuration error.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { writeIcons } from '../build/icons.mjs';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist/electron');
const say = (line) => process.stderr.write(`build: ${line}\n`);

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const urlProblem = (name, value, { loopbackHttp }) => {
  if (!value) return null;
  let url;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL`;
  }
  if (url.protocol === 'https:') return null;
  if (loopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname)) return null;
  return `${name} must use https://${loopbackHttp ? ' (http:// only for localhost, 127.0.0.1, ::1)' : ''}`;
};
const problems = [
  urlProblem('VOXANNE_BACKEND_URL', process.env.VOXANNE_BACKEND_URL, { loopbackHttp: true }),
  urlProblem('VOXANNE_UPDATE_URL', process.env.VOXANNE_UPDATE_URL, { loopbackHttp: false }),
].filter(Boolean);
if (problems.length > 0) {
  for (const problem of problems) say(problem);
  process.exit(78);
}

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
  define: {
    'process.env.VOXANNE_BUILD_BACKEND_URL': JSON.stringify(process.env.VOXANNE_BACKEND_URL ?? ''),
    'process.env.VOXANNE_BUILD_UPDATE_URL': JSON.stringify(process.env.VOXANNE_UPDATE_URL ?? ''),
  },
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

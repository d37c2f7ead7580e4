// `npm start`: the backend in sandbox mode (embedded database, simulated telephony, the demo clinic,
// simulated patients calling), then the desktop app. Where the Electron binary is absent, the
// browser host instead, with a plain message and the address to open.
//
// Honours the backend's own variables (PORT, DATA_DIR, DEMO_PASSWORD, SANDBOX_*); defaults:
// a free port, DATA_DIR=.data/backend, two simulated inbound calls a minute.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { findElectronBinary } from './electron-binary.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const say = (line) => process.stdout.write(`voxanne: ${line}\n`);
const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// TypeScript entry points run as `node --import tsx` so a signal reaches the real process.
function startTs(entry, env, stdio = 'inherit') {
  const child = spawn(process.execPath, ['--conditions=@voxanne/source', '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio,
  });
  children.add(child);
  return child;
}

function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 200).unref();
}

async function waitForHealth(url, backend) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (backend.exitCode !== null) throw new Error(`the backend exited (code ${backend.exitCode})`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the backend did not become healthy at ${url}`);
}

const port = process.env.PORT ?? String(await freePort());
const dataDir = path.resolve(ROOT, process.env.DATA_DIR ?? '.data/backend');
const backendUrl = `http://127.0.0.1:${port}`;

say(`starting the backend (sandbox mode) at ${backendUrl} …`);
const backend = startTs('backend/src/server.ts', {
  PORT: port,
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  SANDBOX_INBOUND_CALLS_PER_MINUTE: process.env.SANDBOX_INBOUND_CALLS_PER_MINUTE ?? '2',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
backend.once('exit', (code) => {
  say(`the backend stopped (code ${code}).`);
  stopAll(code ?? 1);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stopAll(0));

try {
  await waitForHealth(backendUrl, backend);
} catch (error) {
  say(error.message);
  stopAll(1);
  await new Promise(() => {});
}

const passwordFile = path.join(dataDir, 'demo-password');
const password = process.env.DEMO_PASSWORD ?? (existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : null);
say(`sign in as frontdesk@demo.voxanne.test (or admin@demo.voxanne.test)${password ? ` with password ${password}` : ''}`);

const electron = findElectronBinary();
if (electron.ok) {
  say('building the desktop app …');
  const build = spawnSync(process.execPath, ['main/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) stopAll(build.status ?? 1);
  else {
    const app = spawn(electron.path, [path.join(ROOT, 'dist/electron/main.mjs')], {
      cwd: ROOT,
      env: { ...process.env, VOXANNE_BACKEND_URL: backendUrl },
      stdio: 'inherit',
    });
    children.add(app);
    app.once('exit', (code) => stopAll(code ?? 0));
  }
} else {
  say(`the desktop app cannot start here: ${electron.reason}.`);
  say('opening the browser host instead: the same console and main-process core, in your browser.');
  if (!existsSync(path.join(ROOT, 'renderer/dist/index.html'))) {
    say('building the console …');
    const build = spawnSync('npm', ['run', 'build', '-w', '@voxanne/renderer'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) stopAll(build.status ?? 1);
  }
  const host = startTs('main/host/host.ts', { VOXANNE_BACKEND_URL: backendUrl, VOXANNE_HOST_DATA_DIR: path.join(dataDir, '..', 'host') }, [
    'ignore',
    'pipe',
    'inherit',
  ]);
  host.stdout.setEncoding('utf8');
  host.stdout.on('data', (text) => {
    const match = /voxanne host: open (\S+)/.exec(text);
    if (match) say(`open this in your browser: ${match[1]}`);
    else process.stdout.write(text);
  });
  host.once('exit', (code) => stopAll(code ?? 0));
}

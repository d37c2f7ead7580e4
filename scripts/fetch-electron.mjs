// Postinstall: fetch the Electron binary when this machine can, and carry on when it cannot.
//
// npm is told (package.json "allowScripts") not to run electron's own postinstall, because that
// script fails the whole `npm install` on a machine without access to GitHub. This script runs the
// same installer with a time limit and turns failure into one clear line: without the binary the
// app still runs, in the browser host (`npm start` says so).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const TIME_LIMIT_MS = 180_000;
const say = (line) => process.stderr.write(`voxanne: ${line}\n`);

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  say('ELECTRON_SKIP_BINARY_DOWNLOAD is set; not fetching the Electron binary.');
  process.exit(0);
}

let installer;
try {
  const require = createRequire(path.resolve('main/package.json'));
  installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
} catch {
  say('electron is not installed (production install?); skipping the binary.');
  process.exit(0);
}

const child = spawn(process.execPath, [installer], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  if (code === 0) {
    say('Electron binary ready.');
  } else {
    const why = signal ? `timed out after ${TIME_LIMIT_MS / 1000} s` : (stderr.match(/\w*Error: .*/)?.[0] ?? `exit ${code}`);
    say(`could not fetch the Electron binary (${why}). The desktop shell will not start here;`);
    say('`npm start` opens the browser host instead. Everything else is installed.');
  }
  process.exit(0);
});

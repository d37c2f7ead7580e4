// `npm test`: runs the given npm scripts side by side, `node scripts/test.mjs lint=lint unit=test:unit`
// (a phase's name, then the script it runs). Every line comes out as it is printed, behind its phase's
// name. When all have ended, a summary says how each ended and prints again the last lines of each
// that failed: a CI log is often read from its end, and a failure printed minutes earlier, among
// another phase's lines, would be out of sight. Exits 0 only when every phase did.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Enough for Vitest's and Playwright's failure reports, which they print last. */
const KEPT_LINES = 150;

const phases = process.argv.slice(2).map((argument) => {
  const match = /^([\w-]+)=([\w:-]+)$/.exec(argument);
  if (!match) usage(`"${argument}" is not name=script`);
  return { name: match[1], script: match[2] };
});
if (phases.length === 0) usage('no phase given');

function usage(problem) {
  process.stderr.write(`test: ${problem}; usage: node scripts/test.mjs name=script [name=script ...]\n`);
  process.exit(2);
}

const width = Math.max(...phases.map((phase) => phase.name.length));
// Under `npm test`, npm says where its own CLI is; run the phases with the same npm and Node.
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const children = new Set();

function runPhase({ name, script }) {
  const started = Date.now();
  const label = `[${name}]`.padEnd(width + 2);
  const lastLines = [];
  // Its own process group, so that an interrupted run stops the phase's whole tree (npm, the shell,
  // the test runner and its workers), not only npm.
  const child = spawn(npm[0], [...npm.slice(1), 'run', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  const keep = (stream, output) =>
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      output.write(`${label} ${line}\n`);
      lastLines.push(`${label} ${line}`);
      if (lastLines.length > KEPT_LINES) lastLines.shift();
    });
  keep(child.stdout, process.stdout);
  keep(child.stderr, process.stderr);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      lastLines.push(`${label} could not start: ${error.message}`);
      resolve({ name, code: 127, seconds: 0, lastLines });
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      const seconds = Math.round((Date.now() - started) / 1000);
      resolve({ name, code: code ?? (signal ? 128 : 1), signal, seconds, lastLines });
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
    process.exit(130);
  });
}

const results = await Promise.all(phases.map(runPhase));
const failed = results.filter((result) => result.code !== 0);
for (const result of failed) {
  process.stdout.write(`\ntest: ${result.name} failed; its last ${result.lastLines.length} lines again:\n`);
  process.stdout.write(`${result.lastLines.join('\n')}\n`);
}
const verdicts = results.map(
  ({ name, code, signal, seconds }) =>
    `${name} ${code === 0 ? 'passed' : `FAILED (${signal ? `killed by ${signal}` : `exit ${code}`})`} in ${seconds} s`,
);
process.stdout.write(`\ntest: ${verdicts.join(' · ')}\n`);
process.stdout.write(
  failed.length === 0
    ? `test: all ${results.length} passed\n`
    : `test: ${failed.length} of ${results.length} failed: ${failed.map((r) => r.name).join(', ')}\n`,
);
// Not process.exit(): that could cut off the summary on its way down a slow pipe.
process.exitCode = failed.length === 0 ? 0 : 1;

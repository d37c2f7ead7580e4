// `npm test` runs its phases side by side; what matters most when one fails is that the end of the
// output says which and why. Run over a throwaway package whose scripts pass, fail and print a lot.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const runner = resolve('scripts/test.mjs');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voxanne-test-runner-'));
  const scripts = {
    fine: `node -e "process.stdout.write('all good\\n')"`,
    noisy: `node -e "for (let i = 1; i <= 400; i++) console.log('line ' + i); console.error('boom: expected 1 to be 2'); process.exitCode = 3"`,
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'runner-fixture', private: true, scripts }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...phases: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [runner, ...phases], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the test runner', () => {
  it('exits 0 and says so when every phase passes', async () => {
    const { code, stdout } = await run('one=fine', 'two=fine');
    expect(code).toBe(0);
    expect(stdout).toContain('[one] all good');
    expect(stdout).toContain('[two] all good');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('test: all 2 passed');
  });

  it('exits 1 and ends with the failed phase, its exit code and its last lines', async () => {
    const { code, stdout } = await run('ok=fine', 'bad=noisy');
    expect(code).toBe(1);
    const tail = stdout.slice(stdout.lastIndexOf('test: bad failed'));
    expect(tail).toMatch(/^test: bad failed; its last 150 lines again:/);
    expect(tail).toContain('[bad] boom: expected 1 to be 2');
    expect(tail).toContain('[bad] line 400');
    expect(tail).not.toContain('[bad] line 250\n');
    expect(tail).toMatch(/ok passed in \d+ s · bad FAILED \(exit 3\) in \d+ s/);
    expect(tail.trimEnd().split('\n').at(-1)).toBe('test: 1 of 2 failed: bad');
  });

  it('refuses a phase that is not name=script, running nothing', async () => {
    const { code, stderr, stdout } = await run('ok=fine', 'bad phase');
    expect(code).toBe(2);
    expect(stderr).toContain('"bad phase" is not name=script');
    expect(stdout).toBe('');
  });
});

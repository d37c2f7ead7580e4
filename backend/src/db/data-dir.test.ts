// DATA_DIR is owner-only, on real files: a new one is created 0700, an existing one (0777 with 0666
// files, as the embedded database used to leave it) is tightened at start-up without following links
// out of it, a new embedded database is owner-only once open, and a directory others may write to
// that is not ours to fix stops the server with one line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { secureDataDir, StartupRefusal } from './data-dir.js';

const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-data-dir-'));
  temporary.push(dir);
  return dir;
}
const mode = (p: string) => fs.lstatSync(p).mode & 0o777;

/** Every entry below `dir` (itself included) by mode, links left out. */
function modes(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const walk = (p: string) => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) return;
    const key = `${stat.isDirectory() ? 'dir' : 'file'} 0${(stat.mode & 0o777).toString(8)}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(dir);
  return counts;
}

/** A directory that belongs to someone else and that anyone may write to. */
function foreignWorldWritableDir(): string {
  if (process.getuid?.() === 0) {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    fs.chownSync(dir, 65534, 65534); // nobody
    return dir;
  }
  return os.tmpdir(); // root's, 1777, on every Unix this runs on
}

describe('DATA_DIR permissions', () => {
  it('creates a missing DATA_DIR, parents included, owner-only', () => {
    const dir = path.join(tempDir(), 'deep', 'data');
    secureDataDir(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it('tightens an existing tree: directories 0700, files 0600, without following links out of it', () => {
    const dir = tempDir();
    const outside = tempDir();
    const outsideFile = path.join(outside, 'not-ours-to-change');
    fs.writeFileSync(outsideFile, 'x', { mode: 0o644 });
    fs.chmodSync(outsideFile, 0o644);
    fs.mkdirSync(path.join(dir, 'pglite', 'base'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'jwt-secret'), 'secret');
    fs.writeFileSync(path.join(dir, 'pglite', 'base', '1259'), 'pages');
    fs.writeFileSync(path.join(dir, 'pglite', 'run.sh'), '#!/bin/sh');
    fs.symlinkSync(outsideFile, path.join(dir, 'link-out'));
    fs.symlinkSync(outside, path.join(dir, 'dir-link-out'));
    for (const [p, m] of [
      [dir, 0o777],
      [path.join(dir, 'pglite'), 0o755],
      [path.join(dir, 'pglite', 'base'), 0o775],
      [path.join(dir, 'jwt-secret'), 0o666],
      [path.join(dir, 'pglite', 'base', '1259'), 0o666],
      [path.join(dir, 'pglite', 'run.sh'), 0o777],
    ] as const) {
      fs.chmodSync(p, m);
    }

    expect(secureDataDir(dir)).toEqual({ unfixed: [] });
    expect(modes(dir)).toEqual({ 'dir 0700': 3, 'file 0600': 3 });
    expect(mode(outsideFile)).toBe(0o644);
    expect(mode(outside)).toBe(0o700); // mkdtemp's, untouched
    expect(fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8')).toBe('secret');
  });

  it('opens a new embedded database owner-only, although PGlite writes 0666 files', async () => {
    const dir = path.join(tempDir(), 'pglite');
    const database = await openDatabase({ kind: 'pglite', dir });
    try {
      await database.ping();
      const counts = modes(dir);
      expect(Object.keys(counts).sort()).toEqual(['dir 0700', 'file 0600']);
      expect(counts['file 0600']).toBeGreaterThan(100);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('refuses a DATA_DIR others may write to that is not ours to fix', () => {
    const dir = foreignWorldWritableDir();
    const before = mode(dir);
    expect(() => secureDataDir(dir)).toThrow(StartupRefusal);
    expect(() => secureDataDir(dir)).toThrow(/writable by other users .* cannot be made private/);
    expect(mode(dir)).toBe(before); // never "fixed" for everybody else
  });

  it('refuses something that is not a directory', () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    expect(() => secureDataDir(file)).toThrow(/not a directory/);
  });

  it('the server refuses to start there: one line naming DATA_DIR, exit 78, nothing written', async () => {
    const dir = foreignWorldWritableDir();
    const before = fs.readdirSync(dir).sort();
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=@voxanne/source', '--import', 'tsx', 'src/server.ts'], {
        cwd: BACKEND_DIR,
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code).toBe(78);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`DATA_DIR ${dir} is writable by other users`)]);
    expect(run.stdout).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  }, 60_000);
});

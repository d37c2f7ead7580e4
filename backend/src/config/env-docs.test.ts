// Configuration is documented where people look for it: every variable the backend reads is
// explained in .env.example, the file as written is a valid configuration, and the README's
// configuration table lists every variable of the file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from './config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const documented = parseEnv(example);

describe('configuration documentation', () => {
  it('explains every variable the backend reads in .env.example', () => {
    expect(ENV_VARIABLES.filter((name) => !(name in documented))).toEqual([]);
  });

  it('accepts .env.example as it is, as a sandbox configuration', () => {
    const config = loadConfig(documented);
    expect(config).toMatchObject({ env: 'development', telephony: { mode: 'sandbox' }, database: { kind: 'pglite' } });
  });

  it('lists every .env.example variable in the README configuration table', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const table = new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]));
    expect(Object.keys(documented).filter((name) => !table.has(name))).toEqual([]);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentUpdateRequestSchema } from './agent.js';
import { CallListQuerySchema } from './calls.js';
import { isStorableText, text } from './common.js';

describe('text(): the one string schema', () => {
  it('accepts any well-formed Unicode, emoji and bidi text included', () => {
    for (const ok of ['', 'Dr Smith', 'Ärztin – 25 €', '😀 surrogate pair', 'مرحبا', '\u202Eembedded override\u202C', 'tab\tline\n']) {
      expect([ok, isStorableText(ok), text().safeParse(ok).success]).toEqual([ok, true, true]);
    }
  });

  it('refuses NUL and unpaired surrogates, wherever they are', () => {
    for (const bad of ['\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '\uDE00\uD83D', '😀\uD83D', '\uDBFF\uDBFF']) {
      expect([bad, isStorableText(bad), text().safeParse(bad).success]).toEqual([bad, false, false]);
    }
  });

  it('is what the route contracts use: the field is named in the refusal', () => {
    const query = CallListQuerySchema.safeParse({ q: 'a\u0000b' });
    expect(query.success).toBe(false);
    expect(query.error?.issues[0]).toMatchObject({ path: ['q'], message: expect.stringMatching(/NUL/) });
    const agent = AgentUpdateRequestSchema.safeParse({ personality: { name: '\uD800' } });
    expect(agent.error?.issues.some((i) => i.path.join('.') === 'personality.name' && /surrogate/.test(i.message))).toBe(true);
  });

  it('is the only way the protocol builds a string schema', () => {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const offenders = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) =>
        fs
          .readFileSync(path.join(dir, file), 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
          .filter(
            ({ line }) =>
              /\bz\.(string|email|url)\(\)/.test(line) && !/isStorableText|function text\(|return z\.string\(\)\.refine/.test(line),
          ),
      )
      .map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_STORABLE_DEPTH, storable, storableText } from './storable.js';

describe('storable text and JSON', () => {
  it('drops NUL and replaces lone surrogates, keeping pairs (emoji) and everything else', () => {
    expect(storableText('a\u0000b')).toBe('ab');
    expect(storableText('x\ud800y\udfffz')).toBe('x\ufffdy\ufffdz');
    expect(storableText('ok 😀 ünïcode')).toBe('ok 😀 ünïcode');
    expect(storableText('\ud83d\u0000\ude00')).toBe('\ufffd\ufffd');
  });

  it('cleans keys and values at every depth, turns non-finite numbers into null and cuts off deep nesting', () => {
    const parsed = JSON.parse('{"k\\u0000": ["v\\ud800", {"n": 1e400, "m": -1e400, "ok": 1.5}], "__proto__": "kept as a key"}') as unknown;
    const clean = storable(parsed) as Record<string, unknown>;
    expect(clean).toEqual(
      Object.fromEntries([
        ['k', ['v\ufffd', { n: null, m: null, ok: 1.5 }]],
        ['__proto__', 'kept as a key'],
      ]),
    );
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const cut = storable(deep);
    // JSON.stringify of the original would overflow the stack; the storable copy is shallow enough.
    expect(JSON.stringify(cut).split('[').length - 1).toBe(MAX_STORABLE_DEPTH);
  });

  it('leaves nothing PostgreSQL refuses, for any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), fc.integer({ min: 0xd800, max: 0xdfff }), (value, text, unit) => {
        const dirty = { value, [`${text}\u0000`]: `${text}${String.fromCharCode(unit)}\u0000` };
        const json = JSON.stringify(storable(dirty));
        // JSON.stringify writes NUL and lone surrogates as escapes, and valid pairs as they are.
        expect(json).not.toContain('\\u0000');
        expect(/\\ud[89a-f][0-9a-f]{2}/i.test(json)).toBe(false);
      }),
    );
  });
});

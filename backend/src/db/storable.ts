// Text and JSON as PostgreSQL can store them. PostgreSQL refuses two things JavaScript strings and
// JSON.parse allow: the NUL character (in `text` and in `jsonb` alike) and a lone UTF-16 surrogate
// (jsonb rejects its `\ud800` escape). Either one in a vendor's payload used to fail the statement,
// and the request answered 500. Input from outside passes through `storable` once, where it is read,
// so nothing downstream has to remember.

// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT_CHARACTER = '\uFFFD';

/** Deeper than this, a payload is not data anyone reads: the rest becomes null (JSON.stringify would overflow the stack). */
export const MAX_STORABLE_DEPTH = 32;

/** The text without NUL characters, each lone surrogate replaced by U+FFFD. */
export function storableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.replace(UNSTORABLE, (match) => (match === '\u0000' ? '' : REPLACEMENT_CHARACTER));
}

// String.prototype.isWellFormed (Node 20+; ES2024, newer than this project's TypeScript lib): native,
// far cheaper than the regular expression on the common, clean text.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

function isStorableText(text: string): boolean {
  if (text.includes('\u0000')) return false;
  if (isWellFormed) return isWellFormed.call(text);
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(text);
}

/** True when nothing in `value` needs cleaning (the common case: then it is used as it is, not copied). */
function isStorable(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_STORABLE_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => isStorable(item, depth + 1));
  for (const key in value) {
    if (!isStorableText(key) || !isStorable((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function cleaned(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_STORABLE_DEPTH) return null;
  if (Array.isArray(value)) return value.map((item) => cleaned(item, depth + 1));
  // fromEntries defines own properties, so a "__proto__" key stays a key and never becomes a prototype.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), cleaned(item, depth + 1)]));
}

/**
 * A parsed JSON value made storable: every string and object key through storableText, numbers that
 * are not finite (JSON.parse turns 1e400 into Infinity) as null, nesting beyond MAX_STORABLE_DEPTH as
 * null. Keys that become equal after cleaning keep the later value, as JSON.parse does for duplicates.
 * A value with nothing to clean is returned as it is.
 */
export function storable(value: unknown): unknown {
  return isStorable(value, 0) ? value : cleaned(value, 0);
}

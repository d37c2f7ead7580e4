// Building blocks shared by every contract: identifiers, timestamps, the error envelope.
import { z } from 'zod';

/**
 * True when a string is text every part of the product can store and show: no NUL (PostgreSQL's text
 * and jsonb cannot hold U+0000, so it used to reach the database and answer 500) and no unpaired UTF-16
 * surrogate (not a character at all: it becomes U+FFFD on the way to the database, so what was stored
 * would differ from what was accepted).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);
}
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/**
 * The one string schema of the protocol: every string field of every contract (REST bodies and
 * queries, responses, live events, IPC) is built on it, so NUL and lone surrogates are refused at
 * every door with a 400 naming the field, never passed on to storage.
 */
export function text() {
  return z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

export const IdSchema = z.uuid();
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
/** A calendar day, `YYYY-MM-DD`. */
export const IsoDateSchema = z.iso.date();
/** A wall-clock time of day, `HH:MM` (24 h). */
export const TimeOfDaySchema = text().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24 h)');

/** Machine-readable error codes. HTTP status is derived from the code once, in the backend. */
export const ErrorCodeSchema = z.enum([
  'bad_request',
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'invalid_phone_number',
  'unauthenticated',
  'invalid_credentials',
  'token_expired',
  'csrf_failed',
  'forbidden',
  'not_found',
  'conflict',
  'booking_conflict',
  'rate_limited',
  'unsupported_media_type',
  'provider_error',
  'provider_unavailable',
  'provider_auth_failed',
  'not_configured',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: text(),
  /** Field-level problems for validation errors: `{ path: "phoneNumber", message: "..." }`. */
  details: z.array(z.object({ path: text(), message: text() })).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Every non-2xx response body: `{"error":{"code","message"}}`. */
export const ApiErrorBodySchema = z.object({ error: ApiErrorSchema });
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** Cursor pagination envelope. `nextCursor` is opaque; null means there is nothing more. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: text().nullable() });
}

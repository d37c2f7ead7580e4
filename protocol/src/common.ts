// Building blocks shared by every contract: identifiers, timestamps, the error envelope.
import { z } from 'zod';

export const IdSchema = z.uuid();
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
/** A calendar day, `YYYY-MM-DD`. */
export const IsoDateSchema = z.iso.date();
/** A wall-clock time of day, `HH:MM` (24 h). */
export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24 h)');

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
  message: z.string(),
  /** Field-level problems for validation errors: `{ path: "phoneNumber", message: "..." }`. */
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Every non-2xx response body: `{"error":{"code","message"}}`. */
export const ApiErrorBodySchema = z.object({ error: ApiErrorSchema });
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** Cursor pagination envelope. `nextCursor` is opaque; null means there is nothing more. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

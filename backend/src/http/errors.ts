// Errors are values with a code (protocol ErrorCode); the HTTP status is derived from the code here,
// once, and every error response has the same shape: {"error":{"code","message","details"?}}.
import type { ApiError, ErrorCode } from '@voxanne/protocol';
import type { z } from 'zod';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  invalid_phone_number: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  booking_conflict: 409,
  rate_limited: 429,
  provider_error: 502,
  provider_auth_failed: 502,
  provider_unavailable: 503,
  not_configured: 503,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ApiError['details'],
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }

  toBody(): { error: ApiError } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  /** A zod failure as a 400 naming each bad field. */
  static fromZod(error: z.ZodError, what = 'request'): AppError {
    const details = error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    const first = details[0];
    const summary = first ? `${first.path}: ${first.message}` : 'invalid';
    const phone = error.issues.some((i) => i.path.some((p) => String(p).toLowerCase().includes('phone')));
    return new AppError(phone ? 'invalid_phone_number' : 'validation_failed', `Invalid ${what}: ${summary}`, details);
  }
}

export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

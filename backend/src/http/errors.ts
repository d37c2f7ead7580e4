// The one place an error code becomes an HTTP status (domain code throws AppError from ../errors.ts
// and never knows about HTTP).
import type { ErrorCode } from '@voxanne/protocol';
import type { AppError } from '../errors.js';

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

export function httpStatusOf(error: AppError): number {
  return STATUS_BY_CODE[error.code];
}

// Errors are values with a code (protocol ErrorCode) and a message the user can read. Domain code
// throws them; only the HTTP layer (http/errors.ts) turns a code into a status. Every error body has
// the same shape: {"error":{"code","message","details"?}}.
import type { ApiError, ErrorCode } from '@voxanne/protocol';
import type { z } from 'zod';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ApiError['details'],
  ) {
    super(message);
    this.name = 'AppError';
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

// Error wording. The main process and the backend already phrase messages for people, so those are
// shown as they come; these fallbacks only cover an empty message.
import type { ApiError, ErrorCode } from '@voxanne/protocol';

const FALLBACK: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'Your session has ended. Sign in again.',
  invalid_credentials: 'That email and password do not match.',
  rate_limited: 'Too many attempts. Wait a moment and try again.',
  invalid_phone_number: 'That phone number is not valid.',
  unavailable: "Can't reach the Voxanne server right now.",
  provider_unavailable: 'The voice platform is not answering right now.',
  not_found: 'That item no longer exists.',
};

export function errorMessage(error: ApiError): string {
  const message = error.message.trim();
  if (message) return message;
  return FALLBACK[error.code] ?? 'Something went wrong. Try again.';
}

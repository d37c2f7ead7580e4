// Phone numbers are validated and normalised to E.164 on both sides with libphonenumber-js.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { z } from 'zod';

export type PhoneParseResult = { ok: true; e164: string } | { ok: false; message: string };

/**
 * Normalises user input to E.164. Without a default country the input must start with `+` and the
 * country code, because guessing a country for a patient's number is how calls go to the wrong person.
 */
export function normalizePhoneNumber(input: string, defaultCountry?: CountryCode): PhoneParseResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a phone number.' };
  if (!defaultCountry && !trimmed.startsWith('+')) {
    return { ok: false, message: 'Include the country code, starting with + (for example +44 20 7946 0958).' };
  }
  if (/[^\d\s+().\-/]/.test(trimmed)) {
    return { ok: false, message: 'A phone number may contain only digits, spaces, +, -, dots and brackets.' };
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed) return { ok: false, message: 'This does not look like a phone number.' };
  if (!parsed.isValid()) {
    return { ok: false, message: `${trimmed} is not a valid number for ${parsed.country ?? 'its country code'}.` };
  }
  return { ok: true, e164: parsed.number };
}

/** A string that must already be a valid E.164 number; anything else fails with a helpful message. */
export const E164Schema = z.string().superRefine((value, ctx) => {
  const result = normalizePhoneNumber(value);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
  else if (result.e164 !== value) ctx.addIssue({ code: 'custom', message: `Use the E.164 form ${result.e164}.` });
});

/** Free-form input normalised to E.164 (spaces, dashes and brackets allowed; country code required). */
export const PhoneInputSchema = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const result = normalizePhoneNumber(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.e164;
  });

/** For logs and notifications: keeps the country code and the last two digits, `+44•••••••58`. */
export function maskPhoneNumber(e164: string | null | undefined): string {
  if (!e164) return 'unknown';
  if (e164.length <= 5) return '•'.repeat(e164.length);
  return e164.slice(0, 3) + '•'.repeat(e164.length - 5) + e164.slice(-2);
}

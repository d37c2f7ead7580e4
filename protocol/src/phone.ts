// Phone numbers are validated and normalised to E.164 on both sides with libphonenumber-js.
//
// The `min` metadata is enough: it accepts every number the `max` metadata accepts across the UK
// mobile (07xxx) and US area-code ranges (its validity check is by length and leading digits, the
// larger sets add per-type patterns), and it is half the size in the console's bundle. What no
// metadata set accepts are three of Ofcom's ranges reserved for TV and radio drama, which are real
// UK numbers that are never connected (so tests, demos and documentation use them): they are
// accepted here explicitly. Ofcom's other drama ranges (020 7946 0xxx, 0161 496 0xxx, ...) lie inside
// allocated blocks and validate anyway.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { z } from 'zod';

/** Ofcom drama ranges libphonenumber rejects: 07700 900000-900999, 01632 960000-960999, 0115 496 0000-0999. */
const OFCOM_DRAMA_NUMBER = /^\+44(?:7700900|1632960|1154960)\d{3}$/;

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
  if (!parsed.isValid() && !OFCOM_DRAMA_NUMBER.test(parsed.number)) {
    return { ok: false, message: `${trimmed} is not a valid number for ${parsed.country ?? 'its country code'}.` };
  }
  return { ok: true, e164: parsed.number };
}

/**
 * A number as a system gave it (a caller ID, a number a caller spoke), sorted: `valid` is its E.164
 * form when it is a valid number; otherwise `raw` keeps it for a person to check, never dropped:
 * phone-like input compacted to its digits and leading +, anything else trimmed (at most 40
 * characters). Both are null when it holds no digits at all (a withheld or empty number).
 */
export function sortPhoneNumber(input: string | null | undefined): { valid: string | null; raw: string | null } {
  const trimmed = input?.trim() ?? '';
  if (!/\d/.test(trimmed)) return { valid: null, raw: null };
  const parsed = normalizePhoneNumber(trimmed);
  if (parsed.ok) return { valid: parsed.e164, raw: null };
  const compact = /^[\d\s+().\-/]+$/.test(trimmed) ? (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '') : trimmed;
  return { valid: null, raw: compact.slice(0, 40) };
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

// Phone numbers are validated and normalised to E.164 on both sides with libphonenumber-js, and the
// rule for which numbers a clinic may ring or text: ordinary mobile and landline numbers in the
// countries it allows.
//
// The `min` metadata is enough for validity: it accepts every number the `max` metadata accepts across
// the UK mobile (07xxx) and US area-code ranges (its validity check is by length and leading digits,
// the larger sets add per-type patterns), and it is half the size in the console's bundle. It can
// tell a number's kind for some countries only, so the console's reachability check is a courtesy and
// the backend (full metadata, backend/src/clinics/reachable-numbers.ts) decides. What no metadata set
// accepts are three of Ofcom's ranges reserved for TV and radio drama, which are real UK numbers that
// are never connected (so tests, demos and documentation use them): they are accepted here explicitly.
// Ofcom's other drama ranges (020 7946 0xxx, 0161 496 0xxx, ...) lie inside allocated blocks and
// validate anyway.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { z } from 'zod';
import { text } from './common.js';

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
export const E164Schema = text().superRefine((value, ctx) => {
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

/** A country as libphonenumber-js names it: ISO 3166-1 alpha-2, e.g. `GB`. */
export const CountryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'use a two-letter country code such as GB')
  .refine((code): boolean => isSupportedCountry(code), 'not a country with its own phone numbers');

/** What a number is: its country and kind (libphonenumber-js `getType()`; undefined when the metadata cannot tell). */
export interface NumberFacts {
  e164: string;
  country: string | undefined;
  kind: string | undefined;
}

/** The kinds a clinic may ring or text: numbers that reach a person at ordinary rates. */
const REACHABLE_KINDS: ReadonlySet<string> = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

const KIND_WORDS: Record<string, string> = {
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  UAN: 'a company (universal access) number',
  PERSONAL_NUMBER: 'a personal (follow-me) number',
  TOLL_FREE: 'a freephone number',
  VOIP: 'an internet (VoIP) number',
  PAGER: 'a pager number',
  VOICEMAIL: 'a voicemail access number',
};

/** Places that share another country's numbering plan and domestic rates (the Crown Dependencies use +44). */
const SAME_PLAN: Readonly<Record<string, readonly string[]>> = { GB: ['GG', 'JE', 'IM'] };

/** Whether `country` is one of `allowed`, or shares the numbering plan of one of them. */
export function countryAllowed(country: string | undefined, allowed: readonly string[]): boolean {
  if (!country) return false;
  return allowed.some((a) => a === country || (SAME_PLAN[a]?.includes(country) ?? false));
}

/** `GB` → "the United Kingdom"-style names for messages; the code itself where the runtime has no names. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en-GB'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Country and kind as far as the small metadata can tell (the console's cheap check). */
export function numberFactsFrom(e164: string): NumberFacts {
  const parsed = parsePhoneNumberFromString(e164);
  return { e164, country: parsed?.country, kind: parsed?.getType() };
}

/**
 * Why a clinic may not ring or text this number, or undefined when it may: its country must be one
 * the clinic allows (an empty `allowed` skips that check: the caller does not know the list) and its
 * kind an ordinary mobile or landline. A kind the metadata cannot tell is refused when `strict` (the
 * backend, with full metadata) and left to the backend otherwise.
 */
export function reachProblem(facts: NumberFacts, allowed: readonly string[], options: { strict: boolean }): string | undefined {
  const shown = parsePhoneNumberFromString(facts.e164)?.formatInternational() ?? facts.e164;
  if (allowed.length > 0 && !countryAllowed(facts.country, allowed)) {
    const where = facts.country ? `a number in ${countryName(facts.country)}` : 'not a number in any one country';
    return `${shown} is ${where}; this clinic only calls and texts numbers in ${allowed.map(countryName).join(', ')}.`;
  }
  if (facts.kind === undefined) {
    return options.strict ? `${shown} could not be recognised as a mobile or landline number, so it is not called.` : undefined;
  }
  if (REACHABLE_KINDS.has(facts.kind)) return undefined;
  return `${shown} is ${KIND_WORDS[facts.kind] ?? 'not an ordinary phone number'}; only mobile and landline numbers are called.`;
}

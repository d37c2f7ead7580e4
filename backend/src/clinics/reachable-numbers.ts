// Which numbers a clinic may ring ("Call my phone") and text (booking confirmations): ordinary mobile
// and landline numbers in the countries the clinic allows, never premium-rate, shared-cost, company
// (UAN) or personal numbers, which cost the clinic money per minute or reach nobody in particular.
//
// This is the authoritative check, so it reads number kinds from libphonenumber-js's full (`max`)
// metadata: the small metadata the protocol and the console use cannot tell a kind for many
// countries (a French mobile and a French landline look alike to it). The rule itself is the
// protocol's `reachProblem`, shared with the console's cheap pre-check.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { reachProblem, type AgentPersonality, type NumberFacts } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Tx } from '../live/event-log.js';

/** Country and kind of an E.164 number, from the full metadata. */
export function numberFacts(e164: string): NumberFacts {
  const parsed = parsePhoneNumberFromString(e164);
  return { e164, country: parsed?.country, kind: parsed?.getType() };
}

/**
 * The countries a clinic calls and texts: its own setting when it has one; else "its own country",
 * which is where its connected phone numbers are (the number patients ring), else where its transfer
 * number is, else the platform's default (CLINIC_DEFAULT_COUNTRY) for a clinic not set up yet.
 */
export async function allowedCountries(
  db: Db | Tx,
  clinicId: string,
  personality: Pick<AgentPersonality, 'allowedCountries' | 'transferNumber'>,
  defaultCountry: string,
): Promise<string[]> {
  if (personality.allowedCountries.length > 0) return personality.allowedCountries;
  const numbers = await db.selectFrom('phone_numbers').select('number').where('clinic_id', '=', clinicId).execute();
  const own = new Set(numbers.flatMap((n) => numberFacts(n.number).country ?? []));
  if (own.size === 0 && personality.transferNumber) {
    const country = numberFacts(personality.transferNumber).country;
    if (country) own.add(country);
  }
  return own.size > 0 ? [...own].sort() : [defaultCountry];
}

/** Why the clinic may not ring or text `e164`, or undefined when it may. */
export function reachableNumberProblem(e164: string, countries: readonly string[]): string | undefined {
  return reachProblem(numberFacts(e164), countries, { strict: true });
}

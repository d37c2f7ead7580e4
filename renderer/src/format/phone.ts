// Display formatting for E.164 numbers (validation lives in @voxanne/protocol's phone module).
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** `+442079460958` → `+44 20 7946 0958`; anything unparseable is shown as given. */
export function formatPhoneNumber(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

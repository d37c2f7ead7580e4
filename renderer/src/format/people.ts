// How callers and patients are named on screen.
import type { CallSummary } from '@voxanne/protocol';
import { formatPhoneNumber } from './phone';

/** The recognised patient's name, else the number (an invalid one as given, marked), else what kind of call it was. */
export function callerLabel(call: Pick<CallSummary, 'patientName' | 'callerNumber' | 'callerNumberRaw' | 'direction'>): string {
  if (call.patientName) return call.patientName;
  if (call.callerNumber) return formatPhoneNumber(call.callerNumber);
  if (call.callerNumberRaw) return unverifiedNumberLabel(call.callerNumberRaw);
  return call.direction === 'web' ? 'Web test' : 'Withheld number';
}

/** A number that is not a valid phone number, shown as given and marked so nobody trusts it blindly. */
export function unverifiedNumberLabel(raw: string): string {
  return `${raw} (unverified number)`;
}

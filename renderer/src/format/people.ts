// How callers and patients are named on screen.
import type { CallSummary } from '@voxanne/protocol';
import { formatPhoneNumber } from './phone';

/** The recognised patient's name, else the number, else what kind of call it was. */
export function callerLabel(call: Pick<CallSummary, 'patientName' | 'callerNumber' | 'direction'>): string {
  if (call.patientName) return call.patientName;
  if (call.callerNumber) return formatPhoneNumber(call.callerNumber);
  return call.direction === 'web' ? 'Web test' : 'Withheld number';
}

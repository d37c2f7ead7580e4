// Whether a caller is the patient on file for the number they call from. Caller ID can be spoofed,
// so the number only says whose record to check; the caller proves who they are by saying the date
// of birth on file (or, for a patient without one, their full name). Guessing is limited: a few
// failures end checks for the call, a few more in a day end them for the patient, and from then on
// only the front desk can help.
import type { Tx } from '../live/event-log.js';

/** Failed checks one call may make before the assistant stops checking. */
export const MAX_FAILED_CHECKS_PER_CALL = 3;
/** Failed checks against one patient, over every call, in a day. */
export const MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY = 5;

/** `YYYY-MM-DD` of a real past date (from 1900 on), else undefined. */
export function dateOfBirthFrom(value: unknown, now: Date): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(value);
  if (!match) return undefined;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  const iso = date.toISOString().slice(0, 10);
  if (iso !== `${y}-${m}-${d}` || date.getUTCFullYear() < 1900 || date > now) return undefined;
  return iso;
}

/** Lower case, no accents or punctuation, single spaces: "  Zoë  O'Brien " → "zoe obrien". */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Whether the name a caller gives is the name on file: the same words, or the same first and last
 * word (a middle name said or left out). "Grace Hopper" matches "Grace B. Hopper"; "Grace" alone does not.
 */
export function namesMatch(given: string, onFile: string): boolean {
  const a = nameKey(given).split(' ').filter(Boolean);
  const b = nameKey(onFile).split(' ').filter(Boolean);
  if (a.length === 0 || b.length === 0) return false;
  if (a.join(' ') === b.join(' ')) return true;
  return a.length >= 2 && b.length >= 2 && a[0] === b[0] && a.at(-1) === b.at(-1);
}

export function firstNameOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** Whether this call may still try to verify, counting failed checks per call and per patient. */
export async function checksLeft(tx: Tx, callId: string, patientId: string, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('identity_checks')
    .select((eb) => [
      eb.fn.countAll<number>().filterWhere('call_id', '=', callId).as('call_failures'),
      eb.fn
        .countAll<number>()
        .filterWhere('at', '>=', new Date(now.getTime() - 24 * 3_600_000))
        .as('patient_failures'),
    ])
    .where('patient_id', '=', patientId)
    .where('passed', '=', false)
    .executeTakeFirstOrThrow();
  return Math.max(
    0,
    Math.min(MAX_FAILED_CHECKS_PER_CALL - Number(row.call_failures), MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY - Number(row.patient_failures)),
  );
}

export async function recordCheck(
  tx: Tx,
  check: { clinicId: string; callId: string; patientId: string; passed: boolean; at: Date },
): Promise<void> {
  await tx
    .insertInto('identity_checks')
    .values({ clinic_id: check.clinicId, call_id: check.callId, patient_id: check.patientId, passed: check.passed, at: check.at })
    .execute();
}

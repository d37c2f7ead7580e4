// Erasing a patient on request: their patient record goes, and so does everything that names them
// (transcripts, recording links, summaries, caller numbers of their calls; names, numbers and notes
// of their bookings; the text of confirmation messages sent to them; the number, message and notes of
// their work items, with the missed-call text-backs sent to them and their replies). What is left is
// anonymous: the calls, bookings and work items still count (when, how long, what came of it) but say
// nothing about who.
// The SMS opt-out list is kept: it records that the number asked not to be texted.
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';

export interface ErasureCounts {
  calls: number;
  transcriptSegments: number;
  bookings: number;
  messages: number;
  workItems: number;
}

export const ERASED_NAME = '(erased)';

export async function erasePatient(db: Db, clinicId: string, patientId: string): Promise<ErasureCounts> {
  return db.transaction().execute(async (tx) => {
    const patient = await tx
      .selectFrom('patients')
      .select(['id', 'phone'])
      .where('id', '=', patientId)
      .where('clinic_id', '=', clinicId)
      .forUpdate()
      .executeTakeFirst();
    if (!patient) throw AppError.notFound('Patient');

    const calls = await tx
      .selectFrom('calls')
      .select('id')
      .where('clinic_id', '=', clinicId)
      .where((eb) =>
        eb.or([eb('patient_id', '=', patientId), eb('verified_patient_id', '=', patientId), eb('caller_number', '=', patient.phone)]),
      )
      .execute();
    const callIds = calls.map((c) => c.id);
    let transcriptSegments = 0;
    if (callIds.length) {
      const deleted = await tx
        .deleteFrom('transcript_segments')
        .where('clinic_id', '=', clinicId)
        .where('call_id', 'in', callIds)
        .executeTakeFirst();
      transcriptSegments = Number(deleted.numDeletedRows);
      await tx
        .updateTable('calls')
        .set({
          caller_number: null,
          caller_number_raw: null,
          patient_id: null,
          verified_patient_id: null,
          summary: null,
          analysis: null,
          recording_url: null,
          updated_at: new Date(),
        })
        .where('clinic_id', '=', clinicId)
        .where('id', 'in', callIds)
        .execute();
    }

    const bookings = await tx
      .updateTable('bookings')
      .set({
        patient_name: ERASED_NAME,
        patient_phone: null,
        patient_phone_raw: null,
        notes: null,
        patient_id: null,
        updated_at: new Date(),
      })
      .where('clinic_id', '=', clinicId)
      .where((eb) =>
        eb.or([
          eb('patient_id', '=', patientId),
          eb('patient_phone', '=', patient.phone),
          ...(callIds.length ? [eb('call_id', 'in', callIds)] : []),
        ]),
      )
      .returning('id')
      .execute();
    let messages = 0;
    if (bookings.length) {
      const updated = await tx
        .updateTable('sms_messages')
        .set({ to_number: '', body: ERASED_NAME, updated_at: new Date() })
        .where('clinic_id', '=', clinicId)
        .where(
          'booking_id',
          'in',
          bookings.map((b) => b.id),
        )
        .executeTakeFirst();
      messages = Number(updated.numUpdatedRows);
    }
    const items = await tx
      .updateTable('work_items')
      .set({ caller_number: null, patient_id: null, detail: null, note: null, updated_at: new Date() })
      .where('clinic_id', '=', clinicId)
      .where((eb) =>
        eb.or([
          eb('patient_id', '=', patientId),
          eb('caller_number', '=', patient.phone),
          ...(callIds.length ? [eb('call_id', 'in', callIds)] : []),
        ]),
      )
      .returning('id')
      .execute();
    if (items.length) {
      // Notes hold the text-back sent, the caller's replies and staff's notes about them.
      const itemIds = items.map((i) => i.id);
      await tx
        .updateTable('work_item_history')
        .set({ note: null })
        .where('clinic_id', '=', clinicId)
        .where('work_item_id', 'in', itemIds)
        .execute();
    }
    // Text-backs carry no booking: found by number. The day is cleared too (its unique key includes the number).
    const textBacks = await tx
      .updateTable('sms_messages')
      .set({ to_number: '', body: ERASED_NAME, day_key: null, updated_at: new Date() })
      .where('clinic_id', '=', clinicId)
      .where('purpose', '=', 'missed_call_text_back')
      .where('to_number', '=', patient.phone)
      .executeTakeFirst();
    messages += Number(textBacks.numUpdatedRows);
    await tx.deleteFrom('patients').where('id', '=', patientId).execute();
    return { calls: callIds.length, transcriptSegments, bookings: bookings.length, messages, workItems: items.length };
  });
}

// A clinic's settings: retention periods and transcript redaction, and the work queue's missed-call
// text-back and callback window. A clinic that never saved any has the defaults (RETENTION_LIMITS,
// WORK_QUEUE_SETTING_LIMITS); saving writes the whole row.
import { RETENTION_LIMITS, WORK_QUEUE_SETTING_LIMITS, type ClinicSettings, type ClinicSettingsUpdate } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { Tx } from '../live/event-log.js';
import { AppError } from '../errors.js';

export const DEFAULT_CLINIC_SETTINGS: ClinicSettings = {
  transcriptRetentionDays: RETENTION_LIMITS.transcriptDays.default,
  callRetentionDays: RETENTION_LIMITS.callDays.default,
  auditRetentionDays: RETENTION_LIMITS.auditDays.default,
  storeTranscriptsRedacted: false,
  textBackEnabled: false,
  textBackMessage: WORK_QUEUE_SETTING_LIMITS.textBackMessage.default,
  textBackFrom: WORK_QUEUE_SETTING_LIMITS.textBackFrom.default,
  textBackUntil: WORK_QUEUE_SETTING_LIMITS.textBackUntil.default,
  callbackWindowMinutes: WORK_QUEUE_SETTING_LIMITS.callbackWindowMinutes.default,
};

export async function getClinicSettings(db: Db | Tx, clinicId: string): Promise<ClinicSettings> {
  const row = await db.selectFrom('clinic_settings').selectAll().where('clinic_id', '=', clinicId).executeTakeFirst();
  if (!row) return DEFAULT_CLINIC_SETTINGS;
  return {
    transcriptRetentionDays: row.transcript_retention_days,
    callRetentionDays: row.call_retention_days,
    auditRetentionDays: row.audit_retention_days,
    storeTranscriptsRedacted: row.store_transcripts_redacted,
    textBackEnabled: row.text_back_enabled,
    textBackMessage: row.text_back_message,
    textBackFrom: row.text_back_from,
    textBackUntil: row.text_back_until,
    callbackWindowMinutes: row.callback_window_minutes,
  };
}

/** Applies the changes; returns the settings before and after (for the audit log). */
export async function updateClinicSettings(
  db: Db,
  clinicId: string,
  update: ClinicSettingsUpdate,
): Promise<{ before: ClinicSettings; after: ClinicSettings }> {
  return db.transaction().execute(async (tx) => {
    // Serialises concurrent saves of the same clinic (the check below reads both periods).
    await tx.selectFrom('clinics').select('id').where('id', '=', clinicId).forUpdate().executeTakeFirstOrThrow();
    const before = await getClinicSettings(tx, clinicId);
    const after = { ...before, ...update };
    if (after.callRetentionDays < after.transcriptRetentionDays) {
      throw new AppError(
        'validation_failed',
        `Invalid request body: callRetentionDays (${after.callRetentionDays}) is shorter than transcriptRetentionDays (${after.transcriptRetentionDays})`,
        [{ path: 'callRetentionDays', message: 'must be at least transcriptRetentionDays' }],
      );
    }
    if (after.textBackFrom >= after.textBackUntil) {
      throw new AppError(
        'validation_failed',
        `Invalid request body: textBackUntil (${after.textBackUntil}) is not after textBackFrom (${after.textBackFrom})`,
        [{ path: 'textBackUntil', message: 'must be after textBackFrom' }],
      );
    }
    const row = {
      transcript_retention_days: after.transcriptRetentionDays,
      call_retention_days: after.callRetentionDays,
      audit_retention_days: after.auditRetentionDays,
      store_transcripts_redacted: after.storeTranscriptsRedacted,
      text_back_enabled: after.textBackEnabled,
      text_back_message: after.textBackMessage,
      text_back_from: after.textBackFrom,
      text_back_until: after.textBackUntil,
      callback_window_minutes: after.callbackWindowMinutes,
      updated_at: new Date(),
    };
    await tx
      .insertInto('clinic_settings')
      .values({ clinic_id: clinicId, ...row })
      .onConflict((oc) => oc.column('clinic_id').doUpdateSet(row))
      .execute();
    return { before, after };
  });
}

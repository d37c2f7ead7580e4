// The clinic's access and change log (Activity), as the console and its CSV export see it.
import { z } from 'zod';
import { RoleSchema } from './auth.js';
import { IdSchema, IsoDateSchema, IsoDateTimeSchema, pageSchema, text, TimeOfDaySchema } from './common.js';
import { WORK_QUEUE_SETTING_LIMITS } from './work-items.js';

/** Everything the log records, in the clinic's words. */
export const AUDIT_ACTIONS = [
  'auth.signed_in',
  'auth.signed_out',
  'auth.sign_in_failed',
  'call.viewed',
  'call.listened',
  'call.coached',
  'call.said',
  'call.transferred',
  'call.ended',
  'work_item.done',
  'work_item.reopened',
  'assistant.updated',
  'knowledge.uploaded',
  'knowledge.deleted',
  'phone_number.connected',
  'phone_number.disconnected',
  'settings.updated',
  'staff.created',
  'staff.updated',
  'staff.password_reset',
  'staff.signed_out_everywhere',
  'patient.erased',
  'retention.purged',
  'audit.exported',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AuditObjectTypeSchema = z.enum([
  'call',
  'staff',
  'assistant',
  'knowledge_document',
  'phone_number',
  'clinic',
  'patient',
  'work_item',
]);
export type AuditObjectType = z.infer<typeof AuditObjectTypeSchema>;

/**
 * Sent by the desktop app on every request: which installation acted (recorded in the log, never
 * trusted for anything else).
 */
export const INSTANCE_HEADER = 'x-voxanne-instance';

export const AuditEntrySchema = z.object({
  id: IdSchema,
  /** Position in the clinic's chain, from 1. */
  seq: z.number().int().positive(),
  at: IsoDateTimeSchema,
  /** Who acted; null for the system (retention) or an unauthenticated attempt. */
  actor: z.object({ staffId: IdSchema, name: text().nullable(), role: RoleSchema.nullable() }).nullable(),
  instanceId: text().nullable(),
  address: text().nullable(),
  action: AuditActionSchema,
  objectType: AuditObjectTypeSchema.nullable(),
  objectId: text().nullable(),
  /** Changed fields as `{ field: { before, after } }`, or other facts about the action. Never transcript text. */
  details: z.record(text(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditListQuerySchema = z.strictObject({
  cursor: text()
    .regex(/^\d{1,15}$/, 'use nextCursor from the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** A staff member's id. */
  actor: IdSchema.optional(),
  action: AuditActionSchema.optional(),
  /** A call, staff member, document, number or patient id. */
  objectId: text().trim().min(1).max(100).optional(),
  /** Inclusive calendar days in the clinic's time zone. */
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>;
export type AuditListQueryInput = z.input<typeof AuditListQuerySchema>;

export const AuditExportQuerySchema = AuditListQuerySchema.omit({ cursor: true, limit: true });
export type AuditExportQuery = z.infer<typeof AuditExportQuerySchema>;

export const AuditListResponseSchema = pageSchema(AuditEntrySchema);
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

export const RETENTION_LIMITS = {
  transcriptDays: { min: 7, max: 3650, default: 90 },
  callDays: { min: 7, max: 3650, default: 730 },
  /** Six years, two leap days included. */
  auditDays: { min: 2192, max: 36500, default: 2192 },
} as const;

const days = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);
const textBackMessage = text().trim().min(1).max(WORK_QUEUE_SETTING_LIMITS.textBackMessage.max);
const callbackWindow = z
  .number()
  .int()
  .min(WORK_QUEUE_SETTING_LIMITS.callbackWindowMinutes.min)
  .max(WORK_QUEUE_SETTING_LIMITS.callbackWindowMinutes.max);

export const ClinicSettingsSchema = z.object({
  /** Transcripts, recording links, summaries and analyses are deleted after this many days. */
  transcriptRetentionDays: days(RETENTION_LIMITS.transcriptDays),
  /** The call records themselves (who, when, outcome) after this many; never sooner than transcripts. */
  callRetentionDays: days(RETENTION_LIMITS.callDays),
  /** The activity log is kept at least this long (never under six years). */
  auditRetentionDays: days(RETENTION_LIMITS.auditDays),
  /** Card numbers, dates of birth and email addresses are masked before a transcript is stored or streamed. */
  storeTranscriptsRedacted: z.boolean(),
  /** Text a missed caller on a mobile once a clinic day, within the texting hours (clinic time). */
  textBackEnabled: z.boolean(),
  textBackMessage,
  textBackFrom: TimeOfDaySchema,
  /** Not sent from this time on; after textBackFrom. */
  textBackUntil: TimeOfDaySchema,
  /** Missed callers and messages are due a call back within this many minutes. */
  callbackWindowMinutes: callbackWindow,
});
export type ClinicSettings = z.infer<typeof ClinicSettingsSchema>;

export const ClinicSettingsUpdateSchema = z
  .strictObject({
    transcriptRetentionDays: days(RETENTION_LIMITS.transcriptDays).optional(),
    callRetentionDays: days(RETENTION_LIMITS.callDays).optional(),
    auditRetentionDays: days(RETENTION_LIMITS.auditDays).optional(),
    storeTranscriptsRedacted: z.boolean().optional(),
    textBackEnabled: z.boolean().optional(),
    textBackMessage: textBackMessage.optional(),
    textBackFrom: TimeOfDaySchema.optional(),
    textBackUntil: TimeOfDaySchema.optional(),
    callbackWindowMinutes: callbackWindow.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'name at least one setting to change');
export type ClinicSettingsUpdate = z.infer<typeof ClinicSettingsUpdateSchema>;

export const ClinicSettingsResponseSchema = z.object({ settings: ClinicSettingsSchema });
export type ClinicSettingsResponse = z.infer<typeof ClinicSettingsResponseSchema>;

/** A member of the clinic's staff as the Staff page shows them. */
export const StaffMemberSchema = z.object({
  id: IdSchema,
  email: text(),
  name: text(),
  role: RoleSchema,
  disabled: z.boolean(),
  /** `supabase`: signs in with their Supabase account (no password here). */
  authProvider: z.enum(['local', 'supabase']),
});
export type StaffMember = z.infer<typeof StaffMemberSchema>;

export const StaffListResponseSchema = z.object({ items: z.array(StaffMemberSchema) });
export type StaffListResponse = z.infer<typeof StaffListResponseSchema>;

export const StaffInviteRequestSchema = z.strictObject({
  email: z
    .email()
    .max(254)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL'),
  name: text().trim().min(1).max(200),
  role: RoleSchema,
});
export type StaffInviteRequest = z.infer<typeof StaffInviteRequestSchema>;

export const StaffInviteResponseSchema = z.object({
  staff: StaffMemberSchema,
  /** Shown once to the administrator to hand over; null for Supabase sign-in. Never stored in clear. */
  initialPassword: text().nullable(),
});
export type StaffInviteResponse = z.infer<typeof StaffInviteResponseSchema>;

export const StaffUpdateRequestSchema = z
  .strictObject({ role: RoleSchema.optional(), disabled: z.boolean().optional() })
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'name a role or disabled');
export type StaffUpdateRequest = z.infer<typeof StaffUpdateRequestSchema>;

export const StaffResponseSchema = z.object({ staff: StaffMemberSchema });
export type StaffResponse = z.infer<typeof StaffResponseSchema>;

/** A new initial password for a local account, shown once to the administrator; their sessions ended. */
export const StaffPasswordResetResponseSchema = z.object({
  staff: StaffMemberSchema,
  /** Handed over in person like the first one; never stored in clear, never emailed. */
  initialPassword: text(),
  revokedSessions: z.number().int().nonnegative(),
});
export type StaffPasswordResetResponse = z.infer<typeof StaffPasswordResetResponseSchema>;

export const StaffSignOutResponseSchema = z.object({
  staff: StaffMemberSchema,
  revokedSessions: z.number().int().nonnegative(),
});
export type StaffSignOutResponse = z.infer<typeof StaffSignOutResponseSchema>;

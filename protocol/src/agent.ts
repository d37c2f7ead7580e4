// The assistant's personality, as the clinic configures it, and whether the voice platform has it.
import { z } from 'zod';
import { IsoDateTimeSchema, text, TimeOfDaySchema } from './common.js';
import { CountryCodeSchema, E164Schema } from './phone.js';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const OpeningIntervalSchema = z
  .strictObject({ open: TimeOfDaySchema, close: TimeOfDaySchema })
  .refine((i) => i.open < i.close, { message: 'closing time must be after opening time' });

/** Opening hours per weekday; an empty list means closed that day. */
export const ClinicHoursSchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(OpeningIntervalSchema).max(4)])) as Record<
    Weekday,
    z.ZodArray<typeof OpeningIntervalSchema>
  >,
);
export type ClinicHours = z.infer<typeof ClinicHoursSchema>;

export const VoiceProviderSchema = z.enum(['vapi', '11labs', 'azure', 'openai', 'cartesia', 'playht']);
export const VoiceSchema = z.strictObject({
  provider: VoiceProviderSchema,
  voiceId: text().min(1).max(100),
});
export type Voice = z.infer<typeof VoiceSchema>;

/** Voices offered in the editor; any provider voice id is accepted by the API. */
export const VOICE_CHOICES: ReadonlyArray<Voice & { label: string }> = [
  { provider: 'vapi', voiceId: 'Elliot', label: 'Elliot (calm, male)' },
  { provider: 'vapi', voiceId: 'Kylie', label: 'Kylie (warm, female)' },
  { provider: 'vapi', voiceId: 'Savannah', label: 'Savannah (friendly, female)' },
  { provider: 'vapi', voiceId: 'Rohan', label: 'Rohan (bright, male)' },
  { provider: 'vapi', voiceId: 'Lily', label: 'Lily (soft, female)' },
  { provider: 'vapi', voiceId: 'Harry', label: 'Harry (clear, male)' },
];

/**
 * What the person who picks up a transfer hears before the caller is put through. `message`: the line
 * below, with {caller} (the patient's name when the number is on file, else "a caller") and {reason}
 * filled in; `summary`: the voice platform summarises the call so far in two or three sentences.
 */
export const WarmTransferSchema = z.strictObject({
  enabled: z.boolean(),
  briefing: z.enum(['message', 'summary']),
  message: text().trim().min(1).max(300),
});
export type WarmTransfer = z.infer<typeof WarmTransferSchema>;

export const DEFAULT_WARM_TRANSFER: WarmTransfer = {
  enabled: true,
  briefing: 'message',
  message: 'Hello, this is the clinic’s assistant with a call for the front desk: {caller}, about {reason}. Connecting you now.',
};

export const AgentPersonalitySchema = z.strictObject({
  name: text().trim().min(1).max(80),
  /** The first thing the assistant says when it picks up. */
  greeting: text().trim().min(1).max(500),
  systemPrompt: text().trim().min(1).max(20_000),
  voice: VoiceSchema,
  /** IANA time zone the clinic hours are in, e.g. `Europe/London`. */
  timeZone: text().min(1).max(64).refine(isKnownTimeZone, 'unknown time zone'),
  hours: ClinicHoursSchema,
  /** Where "transfer to the front desk" sends the caller; E.164. */
  transferNumber: E164Schema.nullable(),
  /** Length of a standard appointment the assistant books. */
  appointmentMinutes: z.number().int().min(5).max(240),
  /**
   * Countries whose numbers the clinic rings ("Call my phone") and texts (booking confirmations).
   * Empty: the clinic's own country, from its connected phone number.
   */
  allowedCountries: z.array(CountryCodeSchema).max(20).default([]),
  /** Whether a transfer briefs the front desk first, and how. */
  warmTransfer: WarmTransferSchema.default(DEFAULT_WARM_TRANSFER),
});
export type AgentPersonality = z.infer<typeof AgentPersonalitySchema>;

export const AgentSyncStatusSchema = z.enum(['synced', 'pending', 'failed', 'sandbox']);
export const AgentSyncSchema = z.object({
  status: AgentSyncStatusSchema,
  /** Readable reason when the sync failed. */
  message: text().nullable(),
  syncedAt: IsoDateTimeSchema.nullable(),
});
export type AgentSync = z.infer<typeof AgentSyncSchema>;

export const AgentResponseSchema = z.object({
  personality: AgentPersonalitySchema,
  sync: AgentSyncSchema,
  providerAssistantId: text().nullable(),
  updatedAt: IsoDateTimeSchema,
});
export type AgentResponse = z.infer<typeof AgentResponseSchema>;

export const AgentUpdateRequestSchema = z.strictObject({ personality: AgentPersonalitySchema });
export type AgentUpdateRequest = z.infer<typeof AgentUpdateRequestSchema>;

// Building an Intl formatter costs far more than the parse around it, and personalities are parsed on
// every tool-call webhook: remember the answers (the set of zone names is small and fixed).
const knownTimeZones = new Map<string, boolean>();
function isKnownTimeZone(tz: string): boolean {
  let known = knownTimeZones.get(tz);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
      known = true;
    } catch {
      known = false;
    }
    if (knownTimeZones.size < 1_000) knownTimeZones.set(tz, known);
  }
  return known;
}

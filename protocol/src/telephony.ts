// Console-facing telephony: phone test calls and the clinic's inbound numbers.
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, text } from './common.js';
import { E164Schema, PhoneInputSchema } from './phone.js';

export const PhoneTestCallRequestSchema = z.strictObject({ phoneNumber: PhoneInputSchema });
export type PhoneTestCallRequest = z.input<typeof PhoneTestCallRequestSchema>;
/** 202: the call is queued; it then shows up through the live stream like any other call. */
export const PhoneTestCallResponseSchema = z.object({ callId: IdSchema });
export type PhoneTestCallResponse = z.infer<typeof PhoneTestCallResponseSchema>;

export const PhoneNumberStatusSchema = z.enum(['active', 'failed']);
export const PhoneNumberSchema = z.object({
  id: IdSchema,
  /** E.164 */
  number: E164Schema,
  provider: z.literal('twilio'),
  status: PhoneNumberStatusSchema,
  /** The assistant answers calls to this number. */
  assistantAttached: z.boolean(),
  statusMessage: text().nullable(),
  connectedAt: IsoDateTimeSchema,
});
export type PhoneNumber = z.infer<typeof PhoneNumberSchema>;

export const PhoneNumberListResponseSchema = z.object({ items: z.array(PhoneNumberSchema) });
export type PhoneNumberListResponse = z.infer<typeof PhoneNumberListResponseSchema>;

export const ConnectPhoneNumberRequestSchema = z.strictObject({
  phoneNumber: PhoneInputSchema,
  twilioAccountSid: text().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID starts with AC followed by 32 hex characters'),
  twilioAuthToken: text().min(16).max(128),
});
export type ConnectPhoneNumberRequest = z.input<typeof ConnectPhoneNumberRequestSchema>;
export const ConnectPhoneNumberResponseSchema = z.object({ phoneNumber: PhoneNumberSchema });

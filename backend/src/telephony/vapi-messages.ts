// The Vapi server messages we read (POST /webhooks/vapi, body `{"message":{...}}`), as zod schemas.
// Shapes follow Vapi's published ServerMessage* schemas; only the fields we use are named and every
// object stays loose, because Vapi adds fields freely. Unknown message types are acknowledged and
// ignored by the route, never rejected (Vapi sends many kinds we don't subscribe to).
import { z } from 'zod';

const optionalString = z.string().optional().nullable();
const optionalNumber = z.number().finite().optional().nullable();
/** A length of time within one call: never negative, and no call lasts a week. */
const optionalCallSeconds = z
  .number()
  .min(0)
  .max(7 * 24 * 3600)
  .optional()
  .nullable();

export const VapiCustomerSchema = z.looseObject({ number: optionalString, name: optionalString });

/** Where a call was (to be) transferred (TransferDestinationNumber | TransferDestinationSip). An odd shape is dropped, never a refusal. */
export const VapiTransferDestinationSchema = z
  .looseObject({ type: optionalString, number: optionalString, sipUri: optionalString })
  .optional()
  .nullable()
  .catch(null);

export const VapiCallTypeSchema = z.enum(['inboundPhoneCall', 'outboundPhoneCall', 'webCall', 'vapi.websocketCall']);
export type VapiCallType = z.infer<typeof VapiCallTypeSchema>;

export const VapiCallSchema = z.looseObject({
  id: z.string().min(1).max(200),
  type: VapiCallTypeSchema.optional().nullable(),
  status: optionalString,
  assistantId: optionalString,
  phoneNumberId: optionalString,
  customer: VapiCustomerSchema.optional().nullable(),
  startedAt: optionalString,
  endedAt: optionalString,
  endedReason: optionalString,
  cost: optionalNumber,
  /** Live listen/control URLs (capabilities: never logged, stored or sent to consoles). */
  monitor: z.looseObject({ controlUrl: optionalString, listenUrl: optionalString }).optional().nullable().catch(null),
  destination: VapiTransferDestinationSchema,
});
export type VapiCall = z.infer<typeof VapiCallSchema>;

export const VapiPhoneNumberRefSchema = z.looseObject({ id: optionalString, number: optionalString });

/** One spoken turn in `artifact.messages` (UserMessage / BotMessage; system and tool messages are skipped). */
export const VapiConversationMessageSchema = z.looseObject({
  role: z.string(),
  message: z.string().optional().nullable(),
  time: optionalNumber,
  endTime: optionalNumber,
  // A turn with an impossible offset is still a turn of the transcript: keep it, without the offset.
  secondsFromStart: optionalCallSeconds.catch(null),
});
export type VapiConversationMessage = z.infer<typeof VapiConversationMessageSchema>;

export const VapiArtifactSchema = z.looseObject({
  messages: z.array(z.unknown()).optional().nullable(),
  transcript: optionalString,
  recordingUrl: optionalString,
  /** Transfer attempts with their result (TransferArtifact); read leniently by call-transfers.ts. */
  transfers: z.array(z.unknown()).max(50).optional().nullable().catch(null),
  recording: z
    .looseObject({
      stereoUrl: optionalString,
      mono: z.looseObject({ combinedUrl: optionalString }).optional().nullable(),
    })
    .optional()
    .nullable(),
});

export const VapiAnalysisSchema = z.looseObject({
  summary: optionalString,
  structuredData: z.record(z.string(), z.unknown()).optional().nullable(),
  successEvaluation: z.union([z.string(), z.number(), z.boolean()]).optional().nullable(),
});

const common = {
  /** Milliseconds since the epoch (Vapi's `timestamp`). */
  timestamp: optionalNumber,
  call: VapiCallSchema.optional().nullable(),
  phoneNumber: VapiPhoneNumberRefSchema.optional().nullable(),
  customer: VapiCustomerSchema.optional().nullable(),
};

export const StatusUpdateSchema = z.looseObject({
  ...common,
  type: z.literal('status-update'),
  status: z.enum(['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended']),
  endedReason: optionalString,
  /** Sent with `forwarding`: where the call is being transferred. */
  destination: VapiTransferDestinationSchema,
});

export const TranscriptSchema = z.looseObject({
  ...common,
  // Vapi also names final-only subscriptions `transcript[transcriptType="final"]`.
  type: z.enum(['transcript', 'transcript[transcriptType="final"]']),
  role: z.enum(['assistant', 'user']),
  transcriptType: z.enum(['partial', 'final']),
  transcript: z.string().max(20_000),
});

export const EndOfCallReportSchema = z.looseObject({
  ...common,
  type: z.literal('end-of-call-report'),
  endedReason: optionalString,
  cost: optionalNumber,
  startedAt: optionalString,
  endedAt: optionalString,
  durationSeconds: optionalCallSeconds,
  /** Where the call was transferred, if it was. */
  destination: VapiTransferDestinationSchema,
  artifact: VapiArtifactSchema.optional().nullable(),
  analysis: VapiAnalysisSchema.optional().nullable(),
  // Legacy top-level fields (before `artifact`/`analysis` existed); read when the new ones are absent.
  summary: optionalString,
  transcript: optionalString,
  recordingUrl: optionalString,
  messages: z.array(z.unknown()).optional().nullable(),
});

export const ToolCallSchema = z.looseObject({
  id: z.string().min(1).max(200),
  type: z.string().optional(),
  function: z.looseObject({
    name: z.string().min(1).max(80),
    /** Vapi documents a JSON string; in practice an object arrives too. Both are accepted. */
    arguments: z
      .union([z.string().max(20_000), z.record(z.string(), z.unknown())])
      .optional()
      .nullable(),
  }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ToolCallsSchema = z.looseObject({
  ...common,
  type: z.literal('tool-calls'),
  toolCallList: z.array(ToolCallSchema).max(20).optional().nullable(),
  toolWithToolCallList: z
    .array(z.looseObject({ toolCall: ToolCallSchema.optional().nullable() }))
    .max(20)
    .optional()
    .nullable(),
});

export const AssistantRequestSchema = z.looseObject({ ...common, type: z.literal('assistant-request') });
export const SpeechUpdateSchema = z.looseObject({
  ...common,
  type: z.literal('speech-update'),
  status: z.enum(['started', 'stopped']),
  role: z.enum(['assistant', 'user']),
});
export const ConversationUpdateSchema = z.looseObject({ ...common, type: z.literal('conversation-update') });
export const HangSchema = z.looseObject({ ...common, type: z.literal('hang') });

export const VapiServerMessageSchema = z.discriminatedUnion('type', [
  StatusUpdateSchema,
  TranscriptSchema,
  EndOfCallReportSchema,
  ToolCallsSchema,
  AssistantRequestSchema,
  SpeechUpdateSchema,
  ConversationUpdateSchema,
  HangSchema,
]);
export type VapiServerMessage = z.infer<typeof VapiServerMessageSchema>;
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;
export type TranscriptMessage = z.infer<typeof TranscriptSchema>;
export type EndOfCallReport = z.infer<typeof EndOfCallReportSchema>;
export type ToolCallsMessage = z.infer<typeof ToolCallsSchema>;

export const HANDLED_MESSAGE_TYPES = new Set<string>(
  VapiServerMessageSchema.options.flatMap((o) => {
    const t = o.shape.type;
    return t instanceof z.ZodLiteral ? [String(t.value)] : (t as z.ZodEnum).options.map(String);
  }),
);

/** The envelope Vapi posts. */
export const VapiWebhookBodySchema = z.looseObject({ message: z.looseObject({ type: z.string().max(100) }) });

/** Tool arguments arrive as an object or as a JSON string; anything else is an empty argument set. */
export function toolArguments(call: ToolCall): Record<string, unknown> {
  const raw = call.function.arguments;
  if (raw && typeof raw === 'object') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return {};
}

/** Tool calls of a message in the order the model made them (`toolCallList`, else `toolWithToolCallList`). */
export function toolCallsOf(message: ToolCallsMessage): ToolCall[] {
  if (message.toolCallList && message.toolCallList.length > 0) return message.toolCallList;
  return (message.toolWithToolCallList ?? []).flatMap((t) => (t.toolCall ? [t.toolCall] : []));
}

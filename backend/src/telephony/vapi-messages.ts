// The Vapi server messages we read (POST /webhooks/vapi, body `{"message":{...}}`), as zod schemas,
// and the readers that turn each of Vapi's published shapes, old and new, into one.
//
// Shapes follow Vapi's ServerMessage* schemas (OpenAPI spec and server SDK) and the server-URL event
// docs, including what they used to say: `timestamp` was an ISO-8601 string until early 2025 and is
// epoch milliseconds now; the end-of-call report carried `summary`, `transcript`, `recordingUrl` and
// `messages` at the top level before `artifact`/`analysis`; tool calls arrive as `{id, function:
// {name, arguments}}` with arguments as an object or a JSON string, flattened as `{id, name,
// arguments|parameters}`, or only inside `toolWithToolCallList[].toolCall`. Only the fields we use are
// named and every object stays loose, because Vapi adds fields freely. Fields we merely read along
// the way (times, costs, the customer, the phone number) fall back to absent when they have a type we
// don't expect, so one odd field never costs the whole message. Unknown message types are acknowledged
// and ignored by the route, never rejected (Vapi sends many kinds we don't subscribe to).
import { z } from 'zod';
import { storable } from '../db/storable.js';

/** A string we read in passing: anything else is absent. */
const lenientString = z.string().nullish().catch(null);
const lenientNumber = z.number().finite().nullish().catch(null);
/** A length of time within one call: never negative, and no call lasts a week. */
const optionalCallSeconds = z
  .number()
  .min(0)
  .max(7 * 24 * 3600)
  .nullish();

/**
 * A Vapi time as epoch milliseconds: a number (current), an ISO-8601 string (SDK ≤ 0.3.0 and the 2024
 * spec) or a string of digits. Anything else, including an unreadable string, is absent (null).
 */
export function vapiMillis(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{1,16}(\.\d+)?$/.test(text)) return Number(text);
  if (/^[+-]?\d{4,6}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i.test(text)) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}
const vapiTime = z.unknown().optional().transform(vapiMillis);

/** A caller's number as Vapi gives it; a bare number (JSON digits) is read as its digits. */
const phoneText = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : null));

export const VapiCustomerSchema = z.looseObject({ number: phoneText, name: lenientString });

/** Where a call was (to be) transferred (TransferDestinationNumber | TransferDestinationSip). An odd shape is dropped, never a refusal. */
export const VapiTransferDestinationSchema = z
  .looseObject({ type: lenientString, number: lenientString, sipUri: lenientString })
  .optional()
  .nullable()
  .catch(null);

export const VapiCallTypeSchema = z.enum(['inboundPhoneCall', 'outboundPhoneCall', 'webCall', 'vapi.websocketCall']);
export type VapiCallType = z.infer<typeof VapiCallTypeSchema>;

export const VapiArtifactSchema = z.looseObject({
  messages: z.array(z.unknown()).nullish().catch(null),
  transcript: lenientString,
  recordingUrl: lenientString,
  stereoRecordingUrl: lenientString,
  /** Transfer attempts with their result (TransferArtifact); read leniently by call-transfers.ts. */
  transfers: z.array(z.unknown()).max(50).nullish().catch(null),
  recording: z
    .looseObject({
      stereoUrl: lenientString,
      mono: z.looseObject({ combinedUrl: lenientString }).nullish().catch(null),
    })
    .nullish()
    .catch(null),
});

export const VapiAnalysisSchema = z.looseObject({
  summary: lenientString,
  structuredData: z.record(z.string(), z.unknown()).nullish().catch(null),
  successEvaluation: z.union([z.string(), z.number(), z.boolean()]).nullish().catch(null),
});

export const VapiCallSchema = z.looseObject({
  id: z.string().min(1).max(200),
  // A call type we don't know yet is still a call.
  type: VapiCallTypeSchema.nullish().catch(null),
  status: lenientString,
  assistantId: lenientString,
  phoneNumberId: lenientString,
  customer: VapiCustomerSchema.nullish().catch(null),
  startedAt: lenientString,
  endedAt: lenientString,
  endedReason: lenientString,
  cost: lenientNumber,
  // The Call object of older API versions also carried what the report now carries.
  artifact: VapiArtifactSchema.nullish().catch(null),
  analysis: VapiAnalysisSchema.nullish().catch(null),
  transcript: lenientString,
  summary: lenientString,
  recordingUrl: lenientString,
  messages: z.array(z.unknown()).nullish().catch(null),
  /** Live listen/control URLs (capabilities: never logged or sent to consoles; kept only while the call is live, call-monitors.ts). */
  monitor: z.looseObject({ controlUrl: lenientString, listenUrl: lenientString }).nullish().catch(null),
  destination: VapiTransferDestinationSchema,
});
export type VapiCall = z.infer<typeof VapiCallSchema>;

export const VapiPhoneNumberRefSchema = z.looseObject({ id: lenientString, number: lenientString });

/** One turn in `artifact.messages` (or the legacy `messages`); system and tool rows are skipped by the reader. */
export const VapiConversationMessageSchema = z.looseObject({
  role: z.string(),
  message: lenientString,
  /** Some older examples name the text `content`. */
  content: lenientString,
  time: vapiTime,
  endTime: vapiTime,
  // A turn with an impossible offset is still a turn of the transcript: keep it, without the offset.
  secondsFromStart: optionalCallSeconds.catch(null),
});
export type VapiConversationMessage = z.infer<typeof VapiConversationMessageSchema>;

const common = {
  /** Epoch milliseconds (Vapi's `timestamp`, a number now, an ISO string in 2024); null when unreadable. */
  timestamp: vapiTime,
  call: VapiCallSchema.nullish(),
  phoneNumber: VapiPhoneNumberRefSchema.nullish().catch(null),
  customer: VapiCustomerSchema.nullish().catch(null),
};

export const StatusUpdateSchema = z.looseObject({
  ...common,
  type: z.literal('status-update'),
  // Any string: statuses we don't store (`not-found`, `deletion-failed`, future ones) are acknowledged.
  status: z.string().max(100),
  endedReason: lenientString,
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
  endedReason: lenientString,
  cost: lenientNumber,
  startedAt: lenientString,
  endedAt: lenientString,
  durationSeconds: optionalCallSeconds,
  /** Where the call was transferred, if it was. */
  destination: VapiTransferDestinationSchema,
  artifact: VapiArtifactSchema.nullish().catch(null),
  analysis: VapiAnalysisSchema.nullish().catch(null),
  // Legacy top-level fields (before `artifact`/`analysis` existed); read when the new ones are absent.
  summary: lenientString,
  transcript: lenientString,
  recordingUrl: lenientString,
  stereoRecordingUrl: lenientString,
  messages: z.array(z.unknown()).nullish().catch(null),
});

export const ToolCallsSchema = z.looseObject({
  ...common,
  type: z.literal('tool-calls'),
  // Read item by item (toolCallsOf), so one unusable call never costs the others their answers.
  toolCallList: z.array(z.unknown()).nullish().catch(null),
  toolWithToolCallList: z.array(z.unknown()).nullish().catch(null),
});

export const AssistantRequestSchema = z.looseObject({ ...common, type: z.literal('assistant-request') });
export const SpeechUpdateSchema = z.looseObject({
  ...common,
  type: z.literal('speech-update'),
  status: z.enum(['started', 'stopped']),
  role: z.enum(['assistant', 'user']),
});
export const ConversationUpdateSchema = z.looseObject({ ...common, type: z.literal('conversation-update') });
/** The assistant went quiet for a while (a slow tool or model). */
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
export type HangMessage = z.infer<typeof HangSchema>;

export const HANDLED_MESSAGE_TYPES = new Set<string>(
  VapiServerMessageSchema.options.flatMap((o) => {
    const t = o.shape.type;
    return t instanceof z.ZodLiteral ? [String(t.value)] : (t as z.ZodEnum).options.map(String);
  }),
);

/** The envelope Vapi posts. */
export const VapiWebhookBodySchema = z.looseObject({ message: z.looseObject({ type: z.string().max(100) }) });

// ---------------------------------------------------------------------------------------------
// Tool calls

/** One tool call, read: its id, the tool's name and its arguments as an object. */
export interface ToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: Record<string, unknown> };
}

/** A tool call we can answer only with an error (its arguments are not a JSON object, its name is missing). */
export interface UnusableToolCall {
  id: string;
  error: string;
}

/** The arguments of a call that was read (kept for callers written against the raw shape). */
export function toolArguments(call: ToolCall): Record<string, unknown> {
  return call.function.arguments;
}

/** More tool calls than this in one message are answered with an error, not run. */
export const MAX_TOOL_CALLS_PER_MESSAGE = 20;
const MAX_ARGUMENTS_LENGTH = 100_000;

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const nameOf = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 80 ? v : undefined);
/** The first of `keys` that `source` has (null counts: it means "no arguments"). */
function firstPresent(source: Loose | undefined, keys: string[]): { found: boolean; value: unknown } {
  for (const key of keys) if (source && key in source) return { found: true, value: source[key] };
  return { found: false, value: undefined };
}

/** Arguments as an object, from an object, a JSON string or nothing; otherwise why not. */
export function readToolArguments(raw: unknown): { ok: true; args: Record<string, unknown> } | { ok: false; error: string } {
  if (raw === undefined || raw === null) return { ok: true, args: {} };
  if (isObject(raw)) return { ok: true, args: raw };
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { ok: true, args: {} };
    if (raw.length > MAX_ARGUMENTS_LENGTH) return { ok: false, error: 'The tool arguments are too long.' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { ok: false, error: 'The tool arguments are not valid JSON.' };
    }
    // JSON inside a string escapes the body's cleaning: made storable here, the same way.
    if (isObject(parsed)) return { ok: true, args: storable(parsed) as Record<string, unknown> };
    return { ok: false, error: 'The tool arguments must be a JSON object.' };
  }
  return { ok: false, error: 'The tool arguments must be a JSON object.' };
}

/** One raw tool call (any documented shape) read, or undefined when it has no id to answer under. */
function readToolCall(raw: unknown, fallbackName: string | undefined): ToolCall | UnusableToolCall | undefined {
  if (!isObject(raw)) return undefined;
  const id = raw.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return undefined;
  const fn = isObject(raw.function) ? raw.function : undefined;
  const name = nameOf(fn?.name) ?? nameOf(raw.name) ?? fallbackName;
  if (!name) return { id, error: 'The tool call names no tool.' };
  // `function.arguments` (spec), `function.parameters` (custom-tools docs), then the flattened forms.
  const inFunction = firstPresent(fn, ['arguments', 'parameters']);
  const rawArguments = inFunction.found ? inFunction.value : firstPresent(raw, ['arguments', 'parameters']).value;
  const args = readToolArguments(rawArguments);
  if (!args.ok) return { id, error: args.error };
  return { id, type: typeof raw.type === 'string' ? raw.type : 'function', function: { name, arguments: args.args } };
}

/**
 * The tool calls of a message in the order the model made them: `toolCallList`, else the calls inside
 * `toolWithToolCallList`. A name missing from a `toolCallList` item is taken from its
 * `toolWithToolCallList` twin. Items without an id can't be answered and are left out; beyond
 * MAX_TOOL_CALLS_PER_MESSAGE each is answered with an error.
 */
export function toolCallsOf(message: Pick<ToolCallsMessage, 'toolCallList' | 'toolWithToolCallList'>): Array<ToolCall | UnusableToolCall> {
  const withTool = (message.toolWithToolCallList ?? []).filter(isObject);
  const namesById = new Map<string, string>();
  for (const entry of withTool) {
    const call = isObject(entry.toolCall) ? entry.toolCall : undefined;
    const name =
      nameOf(isObject(call?.function) ? call.function.name : undefined) ??
      nameOf(call?.name) ??
      nameOf(isObject(entry.function) ? entry.function.name : undefined) ??
      nameOf(entry.name);
    if (typeof call?.id === 'string' && name) namesById.set(call.id, name);
  }
  const list = message.toolCallList && message.toolCallList.length > 0 ? message.toolCallList : withTool.map((entry) => entry.toolCall);
  const calls = list.flatMap((raw) => {
    const id = isObject(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    const call = readToolCall(raw, id ? namesById.get(id) : undefined);
    return call ? [call] : [];
  });
  return calls.map((call, i) =>
    i < MAX_TOOL_CALLS_PER_MESSAGE ? call : { id: call.id, error: 'Too many tool calls in one message; this one was not run.' },
  );
}

// ---------------------------------------------------------------------------------------------
// End-of-call reports

/** What a report says, whichever shape it came in. */
export interface ReportContent {
  endedReason: string | undefined;
  cost: number | undefined;
  startedAt: string | undefined;
  endedAt: string | undefined;
  summary: string | undefined;
  structuredData: Record<string, unknown> | undefined;
  successEvaluation: string | number | boolean | undefined;
  transcript: string | undefined;
  recordingUrl: string | undefined;
  messages: unknown[] | undefined;
}

const text = (...values: Array<string | null | undefined>): string | undefined =>
  values.find((v) => typeof v === 'string' && v !== '') ?? undefined;
const list = (...values: Array<unknown[] | null | undefined>): unknown[] | undefined =>
  values.find((v) => Array.isArray(v) && v.length > 0) ?? undefined;

/**
 * A report's content: the current `artifact`/`analysis` first, then the legacy top-level fields, then
 * the (legacy) Call object's own copies. The first non-empty value wins.
 */
export function reportContent(message: EndOfCallReport & { call: VapiCall }): ReportContent {
  const { artifact, analysis, call } = message;
  return {
    endedReason: text(message.endedReason, call.endedReason),
    cost: message.cost ?? call.cost ?? undefined,
    startedAt: text(message.startedAt, call.startedAt),
    endedAt: text(message.endedAt, call.endedAt),
    summary: text(analysis?.summary, message.summary, call.analysis?.summary, call.summary),
    structuredData: analysis?.structuredData ?? call.analysis?.structuredData ?? undefined,
    successEvaluation: analysis?.successEvaluation ?? call.analysis?.successEvaluation ?? undefined,
    transcript: text(artifact?.transcript, message.transcript, call.artifact?.transcript, call.transcript),
    recordingUrl: text(
      artifact?.recording?.mono?.combinedUrl,
      artifact?.recordingUrl,
      message.recordingUrl,
      call.artifact?.recording?.mono?.combinedUrl,
      call.artifact?.recordingUrl,
      call.recordingUrl,
    ),
    messages: list(artifact?.messages, message.messages, call.artifact?.messages, call.messages),
  };
}

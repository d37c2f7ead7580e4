// Vapi server messages as Vapi documents them (ServerMessageStatusUpdate, ServerMessageTranscript,
// ServerMessageEndOfCallReport with `artifact`/`analysis` and the legacy top-level fields,
// ServerMessageToolCalls with `toolCallList` and `toolWithToolCallList`, ServerMessageAssistantRequest),
// written out by hand here rather than produced by our own sandbox, plus signing as Vapi's HMAC
// credential does it, computed independently of the product code.
import { createHmac } from 'node:crypto';

export interface CallRef {
  id: string;
  assistantId?: string;
  phoneNumberId?: string;
  type?: 'inboundPhoneCall' | 'outboundPhoneCall' | 'webCall';
  customerNumber?: string;
}

function callObject(ref: CallRef, extra: Record<string, unknown> = {}) {
  return {
    id: ref.id,
    orgId: '0b9f6e0e-8f3a-4c0e-9a5e-2f1f1d1f0a01',
    type: ref.type ?? 'inboundPhoneCall',
    assistantId: ref.assistantId,
    phoneNumberId: ref.phoneNumberId,
    customer: ref.customerNumber ? { number: ref.customerNumber } : undefined,
    createdAt: '2030-01-07T09:59:58.000Z',
    updatedAt: '2030-01-07T09:59:58.000Z',
    ...extra,
  };
}

export function statusUpdate(ref: CallRef, status: string, timestamp: number, endedReason?: string) {
  return {
    message: {
      type: 'status-update',
      status,
      ...(endedReason ? { endedReason } : {}),
      timestamp,
      call: callObject(ref, { status }),
      customer: ref.customerNumber ? { number: ref.customerNumber } : undefined,
    },
  };
}

export function transcript(ref: CallRef, role: 'assistant' | 'user', transcriptType: 'partial' | 'final', text: string, timestamp: number) {
  return { message: { type: 'transcript', role, transcriptType, transcript: text, timestamp, call: callObject(ref) } };
}

export interface Turn {
  role: 'bot' | 'user';
  message: string;
  time: number;
  secondsFromStart: number;
}

export function endOfCallReport(
  ref: CallRef,
  report: {
    startedAt: string;
    endedAt: string;
    endedReason: string;
    summary: string;
    turns: Turn[];
    cost?: number;
    structuredData?: Record<string, unknown>;
  },
  timestamp: number,
) {
  const transcriptText = report.turns.map((t) => `${t.role === 'bot' ? 'AI' : 'User'}: ${t.message}`).join('\n');
  return {
    message: {
      type: 'end-of-call-report',
      endedReason: report.endedReason,
      cost: report.cost ?? 0.0742,
      costs: [{ type: 'transport', provider: 'twilio', minutes: 1, cost: 0.01 }],
      timestamp,
      startedAt: report.startedAt,
      endedAt: report.endedAt,
      artifact: {
        messages: [
          { role: 'system', message: 'You are a clinic receptionist.', time: report.turns[0]?.time ?? timestamp, secondsFromStart: 0 },
          ...report.turns.map((t) => ({ ...t, endTime: t.time + 1500, duration: 1.5 })),
        ],
        messagesOpenAIFormatted: [],
        transcript: transcriptText,
        recordingUrl: `https://storage.vapi.ai/${ref.id}-mono.wav`,
        recording: {
          mono: { combinedUrl: `https://storage.vapi.ai/${ref.id}-mono.wav` },
          stereoUrl: `https://storage.vapi.ai/${ref.id}-stereo.wav`,
        },
      },
      analysis: {
        summary: report.summary,
        structuredData: report.structuredData ?? { callCategory: 'booking' },
        successEvaluation: 'true',
      },
      call: callObject(ref, { status: 'ended' }),
    },
  };
}

/** The report as older Vapi versions sent it: summary, transcript, recordingUrl and messages at the top level. */
export function legacyEndOfCallReport(ref: CallRef, report: { endedReason: string; summary: string; turns: Turn[] }, timestamp: number) {
  return {
    message: {
      type: 'end-of-call-report',
      endedReason: report.endedReason,
      timestamp,
      summary: report.summary,
      transcript: report.turns.map((t) => `${t.role === 'bot' ? 'AI' : 'User'}: ${t.message}`).join('\n'),
      recordingUrl: `https://storage.vapi.ai/${ref.id}-legacy.wav`,
      messages: report.turns,
      call: callObject(ref, { status: 'ended' }),
    },
  };
}

export function toolCalls(
  ref: CallRef,
  calls: Array<{ id: string; name: string; arguments: Record<string, unknown> | string }>,
  timestamp: number,
) {
  const list = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    message: {
      type: 'tool-calls',
      timestamp,
      toolCallList: list,
      toolWithToolCallList: list.map((toolCall) => ({
        type: 'function',
        function: { name: toolCall.function.name, parameters: { type: 'object', properties: {} } },
        server: { url: 'https://example.invalid/webhooks/vapi' },
        messages: [],
        toolCall,
      })),
      call: callObject(ref, { status: 'in-progress' }),
    },
  };
}

export function assistantRequest(ref: CallRef, phoneNumber: { id: string; number: string }, timestamp: number) {
  return {
    message: {
      type: 'assistant-request',
      timestamp,
      call: callObject({ ...ref, assistantId: undefined }, { status: 'ringing', phoneNumberId: phoneNumber.id }),
      phoneNumber: { id: phoneNumber.id, number: phoneNumber.number, provider: 'twilio' },
      customer: ref.customerNumber ? { number: ref.customerNumber } : undefined,
    },
  };
}

/** Posts a body to /webhooks/vapi signed like Vapi's HMAC credential (x-signature over "{timestamp}.{body}"). */
export async function postSigned(
  baseUrl: string,
  secret: string,
  body: unknown,
  options: { timestamp?: number; raw?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Date.now());
  const signature = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  return fetch(`${baseUrl}/webhooks/vapi`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signature, ...options.headers },
    body: raw,
  });
}

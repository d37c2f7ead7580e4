// The shapes the sandbox's webhooks come in. Vapi's messages changed over the years and every version
// is still documented somewhere, so each simulated call picks one of these (at random, or as placed
// through the control API) and keeps it for all its messages:
//
// - `current`: Vapi's OpenAPI spec and server SDK today: `timestamp` in epoch milliseconds, tool calls
//   as `{id, type, function: {name, arguments}}` with `arguments` a JSON string (SDK since 2025-05-28),
//   the end-of-call report's `artifact` and `analysis`.
// - `sdk-2025`: the server SDK from March to May 2025: as `current`, but `arguments` an object.
// - `sdk-2024`: the server SDK up to v0.3.0 (January 2025) and the 2024 spec: `timestamp` an ISO-8601
//   string, `arguments` an object.
// - `docs-2024`: the server-URL events docs as published from October 2024 (their report example stayed
//   until August 2025): ISO-8601 timestamps; tool calls flattened as `{id, name, parameters}` (events
//   docs) or `{id, name, arguments}` (custom-tools docs), the call inside `toolWithToolCallList` as
//   `toolCall.function.parameters`; the report's summary, transcript, recording URL and messages at its
//   top level, with only `analysis.structuredData`/`successEvaluation` as the 2024 spec typed them.

export const WEBHOOK_DIALECTS = ['current', 'sdk-2025', 'sdk-2024', 'docs-2024'] as const;
export type WebhookDialect = (typeof WEBHOOK_DIALECTS)[number];

export function isWebhookDialect(value: unknown): value is WebhookDialect {
  return typeof value === 'string' && (WEBHOOK_DIALECTS as readonly string[]).includes(value);
}

/** Most calls speak today's shapes; the older ones come often enough to be seen in any demo. */
export function pickDialect(random: () => number): WebhookDialect {
  const roll = random();
  return roll < 0.4 ? 'current' : roll < 0.6 ? 'sdk-2025' : roll < 0.8 ? 'sdk-2024' : 'docs-2024';
}

/** The message's `timestamp` as the dialect writes it. */
export function timestampIn(dialect: WebhookDialect | undefined, now: number): number | string {
  return dialect === 'sdk-2024' || dialect === 'docs-2024' ? new Date(now).toISOString() : now;
}

/** A `tool-calls` message's lists for one call of `name` with `args`. `variant` alternates the two documented flattened forms. */
export function toolCallLists(
  dialect: WebhookDialect | undefined,
  call: { id: string; name: string; args: Record<string, unknown> },
  variant: number,
): Record<string, unknown> {
  const { id, name, args } = call;
  if (dialect === 'docs-2024') {
    const flattened = variant % 2 === 0 ? { id, name, parameters: args } : { id, name, arguments: args };
    return {
      toolCallList: [flattened],
      toolWithToolCallList: [{ type: 'function', name, toolCall: { id, type: 'function', function: { name, parameters: args } } }],
    };
  }
  const toolCall = { id, type: 'function', function: { name, arguments: dialect === 'current' || !dialect ? JSON.stringify(args) : args } };
  return { toolCallList: [toolCall], toolWithToolCallList: [{ type: 'function', function: { name }, toolCall }] };
}

export interface ReportFacts {
  endedReason: string;
  cost: number;
  startedAt: string | undefined;
  endedAt: string;
  durationSeconds: number;
  /** artifact.messages (system row first). */
  messages: unknown[];
  transcript: string;
  recordingUrl: string;
  summary: string;
  structuredData: Record<string, unknown>;
  successEvaluation: string;
  /** A transferred call: where to (top-level `destination`) and the attempts (`artifact.transfers`, current shape only). */
  destination?: { type: 'number'; number: string };
  transfers?: unknown[];
}

/** The end-of-call report's fields (besides type and call) in the dialect's shape. */
export function reportFields(dialect: WebhookDialect | undefined, r: ReportFacts): Record<string, unknown> {
  const common = {
    endedReason: r.endedReason,
    cost: r.cost,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationSeconds: r.durationSeconds,
    ...(r.destination ? { destination: r.destination } : {}),
  };
  if (dialect === 'docs-2024') {
    return {
      ...common,
      summary: r.summary,
      transcript: r.transcript,
      recordingUrl: r.recordingUrl,
      messages: r.messages,
      analysis: { structuredData: r.structuredData, successEvaluation: r.successEvaluation },
    };
  }
  return {
    ...common,
    artifact: {
      messages: r.messages,
      transcript: r.transcript,
      recordingUrl: r.recordingUrl,
      recording: { mono: { combinedUrl: r.recordingUrl } },
      ...(r.transfers ? { transfers: r.transfers } : {}),
    },
    analysis: { summary: r.summary, structuredData: r.structuredData, successEvaluation: r.successEvaluation },
  };
}

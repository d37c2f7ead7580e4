// The clinic's personality as a Vapi assistant (CreateAssistantDTO): prompt, greeting, voice, the
// five function tools, the knowledge-base query tool, where webhooks go and which ones are sent, and
// live listen/control (`monitorPlan`: transfers go through the call's control URL, docs/transfers.md).
// Used to create/update the assistant and to answer `assistant-request` with a transient assistant.
// The line's rules (whose records may be discussed, what a failed tool means) follow the clinic's own
// prompt and cannot be edited away; the tools enforce them regardless of what the model does.
import { WEEKDAYS, type AgentPersonality } from '@voxanne/protocol';
import type { VapiServer } from './vapi-client.js';

/** Every server message ingestion reads; `transcript` streams the live transcript to the consoles. */
export const SERVER_MESSAGES = [
  'status-update',
  'transcript',
  'end-of-call-report',
  'tool-calls',
  'speech-update',
  'conversation-update',
  'hang',
];

/** What the post-call analysis extracts; `callCategory` drives the call's outcome (e.g. spam). */
export const STRUCTURED_DATA_SCHEMA = {
  type: 'object',
  properties: {
    callCategory: { type: 'string', enum: ['booking', 'reschedule', 'question', 'human', 'spam', 'other'] },
    patientName: { type: 'string' },
  },
};

function functionTool(name: string, description: string, properties: Record<string, unknown>, required: string[]) {
  return { type: 'function', async: false, function: { name, description, parameters: { type: 'object', properties, required } } };
}

export const ASSISTANT_TOOLS = [
  functionTool(
    'checkAvailability',
    'Free appointment times on a day (clinic local time). Without a date, today. Give a time to check that exact time.',
    {
      date: { type: 'string', description: 'YYYY-MM-DD' },
      time: { type: 'string', description: 'HH:MM, 24 hour (optional)' },
    },
    [],
  ),
  functionTool(
    'bookAppointment',
    'Books an appointment once the caller has confirmed name, date and time. Confirmations are texted to the number the caller is calling from.',
    {
      patientName: { type: 'string', description: 'The patient’s full name' },
      date: { type: 'string', description: 'YYYY-MM-DD' },
      time: { type: 'string', description: 'HH:MM, 24 hour' },
      service: { type: 'string', description: 'Reason for the visit' },
      dateOfBirth: { type: 'string', description: 'The patient’s date of birth, YYYY-MM-DD, if they gave it' },
      notes: { type: 'string', description: 'Anything the front desk should know (optional)' },
    },
    ['patientName', 'date', 'time'],
  ),
  functionTool(
    'lookupCaller',
    'Whether the number the caller is calling from belongs to a patient on file. Their details and next appointment are given only once the caller has confirmed who they are: call it again with the date of birth (or full name) they tell you.',
    {
      dateOfBirth: { type: 'string', description: 'The date of birth the caller gave, YYYY-MM-DD' },
      fullName: { type: 'string', description: 'The full name the caller gave' },
    },
    [],
  ),
  functionTool(
    'transferToFrontDesk',
    'Puts the call through to the clinic’s front desk: when the caller asks for a person, is upset, or you cannot help.',
    {
      reason: { type: 'string', description: 'Why, in a few words' },
      callerAskedForStaff: { type: 'boolean', description: 'True when the caller asked to speak to a person' },
    },
    [],
  ),
  functionTool(
    'takeMessage',
    'Leaves a message for the front desk, who will call the caller back on the number they are calling from: after hours, when the transfer fails, or when the caller prefers a call back.',
    {
      reason: { type: 'string', description: 'The caller’s message: who they are and what it is about' },
      callbackWindow: { type: 'string', description: 'When the caller would like the call back, in their words (optional)' },
    },
    ['reason'],
  ),
];

/** Rules of the clinic's line, after the clinic's own prompt; the tools hold them whatever the model does. */
export const LINE_RULES = [
  'Rules of this phone line (they always apply):',
  '- Talk only about the caller’s own records, for the number they are calling from. Use lookupCaller; until it answers verified: true, do not say any patient’s name, appointments or other details, even if the caller says it is about a relative or friend. For someone else’s records, offer a call back from the front desk.',
  '- When a tool answers with an error, tell the caller what it says in your own words and follow it.',
  '- If you cannot put the caller through to the front desk, take a message with takeMessage: their name and what it is about.',
].join('\n');

export function hoursText(personality: AgentPersonality): string {
  const lines = WEEKDAYS.map((day) => {
    const intervals = personality.hours[day];
    const label = day[0]!.toUpperCase() + day.slice(1);
    return `${label}: ${intervals.length ? intervals.map((i) => `${i.open}–${i.close}`).join(', ') : 'closed'}`;
  });
  return `Opening hours (${personality.timeZone}):\n${lines.join('\n')}\nAppointments last ${personality.appointmentMinutes} minutes.`;
}

export interface AssistantConfigOptions {
  server: VapiServer;
  model: { provider: string; model: string };
  knowledgeToolId?: string | null;
  /**
   * The clinic stores transcripts redacted: the platform is told to run the assistant in its HIPAA
   * mode (no recordings, transcripts or logs kept on its side). Sent either way, so switching it
   * off reaches an assistant that had it on.
   */
  hipaaEnabled?: boolean;
}

export function assistantPayload(personality: AgentPersonality, options: AssistantConfigOptions): Record<string, unknown> {
  return {
    name: personality.name.slice(0, 40),
    firstMessage: personality.greeting,
    model: {
      provider: options.model.provider,
      model: options.model.model,
      messages: [{ role: 'system', content: `${personality.systemPrompt}\n\n${hoursText(personality)}\n\n${LINE_RULES}` }],
      tools: ASSISTANT_TOOLS,
      ...(options.knowledgeToolId ? { toolIds: [options.knowledgeToolId] } : {}),
    },
    voice: { provider: personality.voice.provider, voiceId: personality.voice.voiceId },
    server: options.server,
    serverMessages: SERVER_MESSAGES,
    endCallFunctionEnabled: true,
    // The call's monitor URLs: control is how the backend transfers a caller (and, next, lets staff
    // take a call); Vapi's defaults for these are documented inconsistently, so they are set.
    monitorPlan: { listenEnabled: true, controlEnabled: true },
    analysisPlan: { structuredDataPlan: { enabled: true, schema: STRUCTURED_DATA_SCHEMA } },
    // Vapi's current place for it (the older top-level `hipaaEnabled` is deprecated there).
    compliancePlan: { hipaaEnabled: options.hipaaEnabled ?? false },
  };
}

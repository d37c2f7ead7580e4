// The clinic's personality as a Vapi assistant (CreateAssistantDTO): prompt, greeting, voice, the
// four function tools, the knowledge-base query tool, where webhooks go and which ones are sent.
// Used to create/update the assistant and to answer `assistant-request` with a transient assistant.
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
    'Books an appointment once the caller has confirmed name, date and time.',
    {
      patientName: { type: 'string', description: 'The patient’s full name' },
      date: { type: 'string', description: 'YYYY-MM-DD' },
      time: { type: 'string', description: 'HH:MM, 24 hour' },
      service: { type: 'string', description: 'Reason for the visit' },
      phoneNumber: { type: 'string', description: 'Patient phone in international format; defaults to the caller' },
    },
    ['patientName', 'date', 'time'],
  ),
  functionTool(
    'lookupCaller',
    'Whether the caller (or a given number) is a known patient, and their next appointment.',
    { phoneNumber: { type: 'string', description: 'International format; defaults to the caller' } },
    [],
  ),
  functionTool(
    'transferToFrontDesk',
    'Hands the call to the clinic’s front desk: when the caller asks for a person, is upset, or you cannot help.',
    { reason: { type: 'string', description: 'Why, in a few words' } },
    [],
  ),
];

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
}

export function assistantPayload(personality: AgentPersonality, options: AssistantConfigOptions): Record<string, unknown> {
  return {
    name: personality.name.slice(0, 40),
    firstMessage: personality.greeting,
    model: {
      provider: options.model.provider,
      model: options.model.model,
      messages: [{ role: 'system', content: `${personality.systemPrompt}\n\n${hoursText(personality)}` }],
      tools: ASSISTANT_TOOLS,
      ...(options.knowledgeToolId ? { toolIds: [options.knowledgeToolId] } : {}),
    },
    voice: { provider: personality.voice.provider, voiceId: personality.voice.voiceId },
    server: options.server,
    serverMessages: SERVER_MESSAGES,
    endCallFunctionEnabled: true,
    analysisPlan: { structuredDataPlan: { enabled: true, schema: STRUCTURED_DATA_SCHEMA } },
  };
}

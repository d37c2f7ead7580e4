// The assistant's side of a call for integration tests: a clinic whose assistant Vapi knows, and tool
// calls posted as signed `tool-calls` webhooks (vapi-fixtures.ts), with their answers read back as the
// model would see them: a parsed `result`, or the `error` sentence of a refusal.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AgentPersonality } from '@voxanne/protocol';
import { getAgent } from '../../src/agent/agent-service.js';
import type { Db } from '../../src/db/database.js';
import { addDays, weekdayOf } from '../../src/clinics/clinic-hours.js';
import { createClinicWithStaff } from './fixtures.js';
import { json } from './http.js';
import { postSigned, toolCalls, type CallRef } from './vapi-fixtures.js';

export interface ToolAnswer {
  toolCallId: string;
  /** Set when the tool refused: what the assistant is to say. */
  error?: string;
  message?: string;
  [key: string]: unknown;
}

export interface AssistantClinic {
  clinicId: string;
  assistantId: string;
  staff: Awaited<ReturnType<typeof createClinicWithStaff>>;
}

/** A clinic (Europe/London, the default hours) whose assistant has a provider id, with personality changes. */
export async function clinicWithAssistant(db: Db, personality: Partial<AgentPersonality> = {}): Promise<AssistantClinic> {
  const staff = await createClinicWithStaff(db, { timeZone: 'Europe/London', role: 'admin' });
  const agent = await getAgent(db, staff.clinicId);
  const assistantId = `asst-${randomUUID().slice(0, 8)}`;
  await db
    .updateTable('agents')
    .set({ provider_assistant_id: assistantId, personality: JSON.stringify({ ...agent.personality, ...personality }) })
    .where('clinic_id', '=', staff.clinicId)
    .execute();
  return { clinicId: staff.clinicId, assistantId, staff };
}

/** A call's reference from `number` (E.164, or undefined for a withheld number) to the clinic's assistant. */
export function callFrom(clinic: AssistantClinic, number: string | undefined): CallRef {
  return { id: randomUUID(), assistantId: clinic.assistantId, ...(number ? { customerNumber: number } : {}) };
}

/** Posts tool calls for the call `ref` (with `controlUrl` as its live control URL) and answers what each returned. */
export async function postToolCalls(
  backend: { url: string; telephony: { webhookAuth: { secret: string } } },
  ref: CallRef,
  calls: Parameters<typeof toolCalls>[1],
  options: { controlUrl?: string } = {},
): Promise<ToolAnswer[]> {
  const body = toolCalls(ref, calls, Date.now());
  if (options.controlUrl) Object.assign(body.message.call, { monitor: { controlUrl: options.controlUrl } });
  const res = await postSigned(backend.url, backend.telephony.webhookAuth.secret, body);
  expect(res.status).toBe(200);
  const answer = (await json(res)) as { results: Array<{ toolCallId: string; result?: string; error?: string }> };
  return answer.results.map((r) =>
    r.error !== undefined
      ? { toolCallId: r.toolCallId, error: r.error }
      : { ...(JSON.parse(r.result!) as Record<string, unknown>), toolCallId: r.toolCallId },
  );
}

/** The next given weekday strictly after today, YYYY-MM-DD (the default hours open Monday to Friday). */
export function nextWeekday(weekday: string): string {
  let day = addDays(new Date().toISOString().slice(0, 10), 1);
  while (weekdayOf(day) !== weekday) day = addDays(day, 1);
  return day;
}

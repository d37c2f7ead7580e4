// The tools the clinic's assistant calls during a conversation (Vapi `tool-calls` webhooks):
// checkAvailability, bookAppointment, lookupCaller and transferToFrontDesk.
//
// Tool calls of one message are answered in the order the model made them, each in its own
// transaction (one failing tool does not undo another). Every answer is a JSON string the model reads;
// a refusal (slot taken, closed that day) is an answer, not an error. A replayed tool call returns the
// same answer and books nothing twice (the tool call id is the booking's idempotency key).
import { maskPhoneNumber, normalizePhoneNumber, sortPhoneNumber, type AgentPersonality } from '@voxanne/protocol';
import type { Logger } from '../logging/logger.js';
import { transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import { AppError } from '../errors.js';
import { getAgent } from '../agent/agent-service.js';
import { createBooking, findBookingsBetween } from '../bookings/booking-service.js';
import { lockOrCreateCall, saveCall, type IngestionDeps } from './call-ingestion.js';
import { addDays, freeSlots, isLocalDate, isLocalTime, spokenTime, toInstant, toLocal, withinHours } from '../clinics/clinic-hours.js';
import type { BookingSms } from './booking-sms.js';
import { toolArguments, toolCallsOf, type ToolCall, type ToolCallsMessage, type VapiCall } from './vapi-messages.js';
import type { CallRow } from '../db/schema.js';

export const TOOL_NAMES = ['checkAvailability', 'bookAppointment', 'lookupCaller', 'transferToFrontDesk'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** One call's answer (Vapi reads `result` as the tool's output and `error` as its failure; both are single-line strings). */
export type ToolResult = { toolCallId: string; result: string } | { toolCallId: string; error: string };

const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

export interface AssistantToolsDeps extends IngestionDeps {
  sms: BookingSms;
  logger: Logger;
  now?: () => Date;
}

interface ToolContext {
  tx: Tx;
  events: EventRecorder;
  clinicId: string;
  call: CallRow;
  personality: AgentPersonality;
  toolCall: ToolCall;
  args: Record<string, unknown>;
  now: Date;
  afterCommit: Array<() => void>;
}

type Answer = Record<string, unknown> & { message: string };

const MAX_DAYS_AHEAD = 14;

function text(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;
}

export class AssistantTools {
  constructor(private readonly deps: AssistantToolsDeps) {}

  /**
   * Answers every tool call of the message, in order: a call whose arguments are unusable, or that
   * names a tool we don't have, gets its own `error`; the others are still run and answered.
   */
  async answer(clinicId: string, message: ToolCallsMessage): Promise<ToolResult[]> {
    const calls = toolCallsOf(message);
    const results: ToolResult[] = [];
    const vapiCall: VapiCall | undefined = message.call ?? undefined;
    const { personality } = await getAgent(this.deps.db, clinicId);
    for (const toolCall of calls) {
      if ('error' in toolCall) {
        results.push({ toolCallId: toolCall.id, error: toolCall.error });
      } else if (!isToolName(toolCall.function.name)) {
        results.push({ toolCallId: toolCall.id, error: `There is no tool called ${toolCall.function.name.slice(0, 80)}.` });
      } else {
        results.push({ toolCallId: toolCall.id, result: JSON.stringify(await this.answerOne(clinicId, vapiCall, personality, toolCall)) });
      }
    }
    return results;
  }

  private async answerOne(
    clinicId: string,
    vapiCall: VapiCall | undefined,
    personality: AgentPersonality,
    toolCall: ToolCall,
  ): Promise<Answer> {
    const afterCommit: Array<() => void> = [];
    try {
      const answer = await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
        afterCommit.length = 0; // a retried attempt queues its own follow-ups afresh
        const call = vapiCall ? (await lockOrCreateCall(tx, events, this.deps, clinicId, vapiCall, 'in-progress')).row : undefined;
        if (!call) return { message: 'This tool can only be used during a call.' };
        const context: ToolContext = {
          tx,
          events,
          clinicId,
          call,
          personality,
          toolCall,
          args: toolArguments(toolCall),
          now: this.deps.now?.() ?? new Date(),
          afterCommit,
        };
        return this.dispatch(context);
      });
      for (const run of afterCommit) run();
      return answer;
    } catch (error) {
      this.deps.logger.error({ err: error, tool: toolCall.function.name }, 'tool call failed');
      await this.raiseToolFailure(clinicId, vapiCall, toolCall.function.name).catch(() => undefined);
      return { message: 'Sorry, I could not do that just now. Offer to pass a message to the front desk.' };
    }
  }

  private dispatch(context: ToolContext): Promise<Answer> {
    switch (context.toolCall.function.name as ToolName) {
      case 'checkAvailability':
        return this.checkAvailability(context);
      case 'bookAppointment':
        return this.bookAppointment(context);
      case 'lookupCaller':
        return this.lookupCaller(context);
      case 'transferToFrontDesk':
        return this.transferToFrontDesk(context);
      default:
        return Promise.resolve({ message: `Unknown tool ${context.toolCall.function.name.slice(0, 80)}.` });
    }
  }

  private async slotsOn(context: ToolContext, date: string) {
    const { personality } = context;
    const dayStart = toInstant({ date, time: '00:00' }, personality.timeZone);
    const dayEnd = toInstant({ date: addDays(date, 1), time: '00:00' }, personality.timeZone);
    const taken = (await findBookingsBetween(context.tx, context.clinicId, dayStart, dayEnd)).map((b) => ({
      startsAt: new Date(b.startsAt),
      endsAt: new Date(b.endsAt),
    }));
    return freeSlots(personality, date, taken, context.now);
  }

  /** The requested day's free times; when it has none, the next day that has some. */
  private async checkAvailability(context: ToolContext): Promise<Answer> {
    const { personality, args } = context;
    const today = toLocal(context.now, personality.timeZone).date;
    const requested = isLocalDate(args.date) ? args.date : today;
    if (requested < today)
      return { available: false, date: requested, message: `${requested} is in the past. Ask for a date from today on.` };
    const time = isLocalTime(args.time) ? args.time : undefined;

    const slots = await this.slotsOn(context, requested);
    if (time) {
      const free = slots.some((s) => s.time === time);
      if (free) {
        return {
          available: true,
          date: requested,
          time,
          timeZone: personality.timeZone,
          message: `${time} on ${requested} is free.`,
        };
      }
    }
    let date = requested;
    let found = slots;
    for (let i = 1; found.length === 0 && i <= MAX_DAYS_AHEAD; i++) {
      date = addDays(requested, i);
      found = await this.slotsOn(context, date);
    }
    if (found.length === 0) {
      return {
        available: false,
        date: requested,
        freeSlots: [],
        message: 'No free appointments in the next two weeks. Offer to take a message for the front desk.',
      };
    }
    const times = found.map((s) => s.time);
    const lead = time ? `${time} on ${requested} is not available.` : date === requested ? '' : `Nothing is free on ${requested}.`;
    return {
      available: time ? false : true,
      date,
      freeSlots: times,
      timeZone: personality.timeZone,
      message: `${lead} Free on ${date}: ${times.join(', ')}.`.trim(),
    };
  }

  private async bookAppointment(context: ToolContext): Promise<Answer> {
    const { personality, args, call, tx, events, clinicId } = context;
    const patientName = text(args.patientName) ?? text(args.name);
    if (!patientName) return { booked: false, message: 'Ask for the patient’s full name before booking.' };
    if (!isLocalDate(args.date) || !isLocalTime(args.time)) {
      return { booked: false, message: 'I need the date as YYYY-MM-DD and the time as HH:MM (24 hour) to book.' };
    }
    const length = personality.appointmentMinutes;
    if (!withinHours(personality, args.date, args.time, length)) {
      return {
        booked: false,
        message: `The clinic is not open for a ${length}-minute appointment at ${args.time} on ${args.date}. Check availability first.`,
      };
    }
    const startsAt = toInstant({ date: args.date, time: args.time }, personality.timeZone);
    if (startsAt <= context.now) return { booked: false, message: 'That time has already passed. Offer a later time.' };
    const endsAt = new Date(startsAt.getTime() + length * 60_000);

    const phoneInput = text(args.phoneNumber, 40) ?? text(args.phone, 40) ?? call.caller_number ?? undefined;
    const phone = phoneInput ? normalizePhoneNumber(phoneInput) : undefined;
    const patientPhone = phone?.ok ? phone.e164 : null;
    // A number that does not validate is kept on the booking, marked unverified, never dropped.
    const patientPhoneRaw = sortPhoneNumber(phoneInput).raw;

    const patientId = patientPhone ? await upsertPatient(tx, clinicId, patientPhone, patientName) : null;
    try {
      const { booking, created } = await createBooking(tx, events, {
        clinicId,
        callId: call.id,
        patientId,
        patientName,
        patientPhone,
        patientPhoneRaw,
        service: text(args.service) ?? text(args.reason) ?? null,
        startsAt,
        endsAt,
        notes: text(args.notes, 1000) ?? null,
        idempotencyKey: `vapi-tool:${context.toolCall.id}`,
      });
      // The call now belongs to this patient and (if it already ended) its outcome becomes "booked".
      await saveCall(tx, events, this.deps, call, { patient_id: call.patient_id ?? patientId });
      if (created && this.deps.stats) {
        events.emit(clinicId, { kind: 'stats.changed', data: { stats: await this.deps.stats(tx, clinicId) } });
      }
      if (created && patientPhone) {
        context.afterCommit.push(() =>
          this.deps.sms.queueConfirmation({
            clinicId,
            bookingId: booking.id,
            patientName,
            patientPhone,
            startsAt,
            timeZone: personality.timeZone,
          }),
        );
      }
      return {
        booked: true,
        bookingId: booking.id,
        startsAt: booking.startsAt,
        message: `Booked ${patientName} for ${spokenTime(startsAt, personality.timeZone)}.${patientPhone ? ' A confirmation text is on its way.' : ''}`,
      };
    } catch (error) {
      if (
        error instanceof AppError &&
        (error.code === 'booking_conflict' || error.code === 'validation_failed' || error.code === 'invalid_phone_number')
      ) {
        const free = error.code === 'booking_conflict' ? (await this.slotsOn(context, args.date)).map((s) => s.time) : [];
        return { booked: false, freeSlots: free, message: error.message + (free.length ? ` Free that day: ${free.join(', ')}.` : '') };
      }
      throw error;
    }
  }

  private async lookupCaller(context: ToolContext): Promise<Answer> {
    const { tx, clinicId, call, args, personality } = context;
    const input = text(args.phoneNumber, 40) ?? text(args.phone, 40) ?? call.caller_number ?? undefined;
    const phone = input ? normalizePhoneNumber(input) : undefined;
    if (!phone?.ok) return { known: false, message: 'I don’t have the caller’s number. Ask for their name and number.' };
    const patient = await tx
      .selectFrom('patients')
      .select(['id', 'name'])
      .where('clinic_id', '=', clinicId)
      .where('phone', '=', phone.e164)
      .executeTakeFirst();
    if (!patient) return { known: false, message: 'This number is not on file: treat the caller as a new patient.' };
    const next = await tx
      .selectFrom('bookings')
      .select(['starts_at', 'service'])
      .where('clinic_id', '=', clinicId)
      .where('patient_id', '=', patient.id)
      .where('status', '<>', 'cancelled')
      .where('starts_at', '>', context.now)
      .orderBy('starts_at')
      .executeTakeFirst();
    if (call.patient_id === null) await saveCall(tx, context.events, this.deps, call, { patient_id: patient.id });
    return {
      known: true,
      patientName: patient.name,
      nextAppointment: next ? next.starts_at.toISOString() : null,
      message: next
        ? `Returning patient ${patient.name}; next appointment ${spokenTime(next.starts_at, personality.timeZone)}.`
        : `Returning patient ${patient.name}; no upcoming appointment.`,
    };
  }

  private async transferToFrontDesk(context: ToolContext): Promise<Answer> {
    const { tx, events, clinicId, call, args, personality } = context;
    const reason = text(args.reason, 120);
    if (!call.needs_attention) {
      const saved = await saveCall(tx, events, this.deps, call, { needs_attention: true });
      const patient = saved.patient_id
        ? await tx.selectFrom('patients').select('name').where('id', '=', saved.patient_id).executeTakeFirst()
        : undefined;
      const asked =
        args.callerAskedForStaff === true || (reason !== undefined && /\b(human|person|someone|staff|receptionist|real)\b/i.test(reason));
      events.emit(clinicId, {
        kind: 'attention.needed',
        data: {
          callId: saved.id,
          reason: asked ? 'caller_asked_for_staff' : 'transfer_requested',
          message: reason ? `Transfer requested: ${reason}` : 'The caller is being transferred to the front desk.',
          patientName: patient?.name ?? null,
          callerNumber: saved.caller_number,
        },
      });
    }
    if (!personality.transferNumber) {
      return { transferTo: null, message: 'No front-desk number is set. Apologise, take a message and say the front desk will call back.' };
    }
    return {
      transferTo: personality.transferNumber,
      message: `Transfer the caller to the front desk at ${personality.transferNumber}.`,
    };
  }

  private async raiseToolFailure(clinicId: string, vapiCall: VapiCall | undefined, tool: string): Promise<void> {
    await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const call = vapiCall
        ? await tx.selectFrom('calls').selectAll().where('provider_call_id', '=', vapiCall.id).executeTakeFirst()
        : undefined;
      events.emit(clinicId, {
        kind: 'attention.needed',
        data: {
          callId: call?.id ?? null,
          reason: 'tool_failed',
          message: `The assistant could not complete ${tool.slice(0, 40)}; the caller may need help.`,
          patientName: null,
          callerNumber: call?.caller_number ?? null,
        },
      });
    });
    this.deps.logger.warn({ tool, caller: maskPhoneNumber(vapiCall?.customer?.number) }, 'attention raised for a failed tool');
  }
}

async function upsertPatient(tx: Tx, clinicId: string, phone: string, name: string): Promise<string> {
  const row = await tx
    .insertInto('patients')
    .values({ clinic_id: clinicId, phone, name })
    .onConflict((oc) => oc.columns(['clinic_id', 'phone']).doUpdateSet({ name, updated_at: new Date() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

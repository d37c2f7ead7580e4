// The tools the clinic's assistant calls during a conversation (Vapi `tool-calls` webhooks):
// checkAvailability, bookAppointment, lookupCaller, transferToFrontDesk and takeMessage.
//
// Tool calls of one message are answered in the order the model made them, each in its own
// transaction (one failing tool does not undo another). An answer is a JSON string the model reads;
// a slot that is taken or a day that is closed is an answer too. A request the clinic's rules refuse
// (too many bookings, no way to transfer) is answered with Vapi's `error` field: one sentence the
// assistant can say. A replayed tool call returns the same answer and books nothing twice (the tool
// call id is the booking's idempotency key).
//
// The model is not trusted with anyone's records: every tool works on the number the call comes
// from as stored on the call, never on a number the model supplies; lookupCaller reads a patient's
// details only after the caller confirmed their date of birth (or full name); a booking never
// renames a patient and confirmation texts go only to the calling number, in the clinic's countries.
import {
  DEFAULT_WARM_TRANSFER,
  maskPhoneNumber,
  normalizePhoneNumber,
  sortPhoneNumber,
  type AgentPersonality,
  type CallTransferFailure,
} from '@voxanne/protocol';
import type { Logger } from '../logging/logger.js';
import { transactionWithEvents, type EventRecorder, type Tx } from '../live/event-log.js';
import { AppError } from '../errors.js';
import { getAgent } from '../agent/agent-service.js';
import {
  countLiveBookings,
  createBooking,
  findBookingsBetween,
  findByIdempotencyKey,
  takeClinicBookingTurn,
} from '../bookings/booking-service.js';
import { allowedCountries, reachableNumberProblem } from '../clinics/reachable-numbers.js';
import { lockOrCreateCall, patientNameOf, saveCall, type IngestionDeps } from './call-ingestion.js';
import { addDays, freeSlots, isLocalDate, isLocalTime, spokenTime, toInstant, toLocal, withinHours } from '../clinics/clinic-hours.js';
import { fillTemplate, type BookingSms } from './booking-sms.js';
import { CallControlError, type CallControl, type TransferDestination } from './call-control.js';
import { applyTransferFacts, TRANSFER_FAILURE_TEXT } from './call-transfers.js';
import { checksLeft, dateOfBirthFrom, firstNameOf, namesMatch, recordCheck } from './caller-identity.js';
import { toolArguments, toolCallsOf, type ToolCall, type ToolCallsMessage, type VapiCall } from './vapi-messages.js';
import type { CallRow } from '../db/schema.js';
import { raiseWorkItem } from '../work-queue/work-items.js';

export const TOOL_NAMES = ['checkAvailability', 'bookAppointment', 'lookupCaller', 'transferToFrontDesk', 'takeMessage'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** One call's answer (Vapi reads `result` as the tool's output and `error` as its failure; both are single-line strings). */
export type ToolResult = { toolCallId: string; result: string } | { toolCallId: string; error: string };

const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

export interface AssistantToolsDeps extends IngestionDeps {
  sms: BookingSms;
  logger: Logger;
  control: CallControl;
  /** Bookings the assistant may make per call, and per caller's number in 24 hours. */
  bookingLimits: { perCall: number; perCallerPerDay: number };
  /** CLINIC_DEFAULT_COUNTRY: where a clinic without numbers or settings may text. */
  defaultCountry: string;
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
/** A request the clinic's rules refuse, answered with Vapi's `error`: a sentence the assistant can say. */
type Refusal = { refused: string };
type Outcome = Answer | Refusal;

function isRefusal(outcome: Outcome): outcome is Refusal {
  return typeof outcome.refused === 'string' && !('message' in outcome);
}

const MAX_DAYS_AHEAD = 14;
/** Messages the assistant may leave for the front desk on one call. */
const MESSAGES_PER_CALL = 3;
const DAY_MS = 24 * 3_600_000;

/** What the caller hears from the assistant as the transfer starts. */
export const TRANSFER_ANNOUNCEMENT = 'Putting you through to the front desk now.';

const TAKE_A_MESSAGE =
  'Apologise, take a message with takeMessage (the caller’s name and what it is about) and say the front desk will call them back.';

/** The one-line summary prompt for warm transfers that brief with a summary. */
const WARM_SUMMARY_PROMPT =
  'You brief a clinic receptionist who is about to take a transferred call. In one or two short sentences say who is calling (if they said) and what they need. Return only the briefing.';

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
        const outcome = await this.answerOne(clinicId, vapiCall, personality, toolCall);
        results.push(
          isRefusal(outcome)
            ? { toolCallId: toolCall.id, error: outcome.refused }
            : { toolCallId: toolCall.id, result: JSON.stringify(outcome) },
        );
      }
    }
    return results;
  }

  private async answerOne(
    clinicId: string,
    vapiCall: VapiCall | undefined,
    personality: AgentPersonality,
    toolCall: ToolCall,
  ): Promise<Outcome> {
    try {
      // A transfer talks to the voice platform between its transactions; every other tool is one transaction.
      if (toolCall.function.name === 'transferToFrontDesk')
        return await this.transferToFrontDesk(clinicId, vapiCall, personality, toolCall);
      const afterCommit: Array<() => void> = [];
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
          now: this.now(),
          afterCommit,
        };
        return this.dispatch(context);
      });
      for (const run of afterCommit) run();
      return answer;
    } catch (error) {
      this.deps.logger.error({ err: error, tool: toolCall.function.name }, 'tool call failed');
      await this.raiseToolFailure(clinicId, vapiCall, toolCall).catch(() => undefined);
      return { message: 'Sorry, I could not do that just now. Offer to pass a message to the front desk.' };
    }
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private dispatch(context: ToolContext): Promise<Outcome> {
    switch (context.toolCall.function.name as ToolName) {
      case 'checkAvailability':
        return this.checkAvailability(context);
      case 'bookAppointment':
        return this.bookAppointment(context);
      case 'lookupCaller':
        return this.lookupCaller(context);
      case 'takeMessage':
        return this.takeMessage(context);
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

  /**
   * Books for whoever the caller names, from the number the call comes from. An existing patient of
   * that number is never renamed: a different name books without linking the patient and marks the
   * booking for review. Capped per call and per caller per day; texts only the calling number.
   */
  private async bookAppointment(context: ToolContext): Promise<Outcome> {
    const { personality, args, call, tx, events, clinicId } = context;
    const limits = this.deps.bookingLimits;
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

    const idempotencyKey = `vapi-tool:${context.toolCall.id}`;
    const replayed = await findByIdempotencyKey(tx, clinicId, idempotencyKey);
    if (replayed) return bookedAnswer(replayed.patient_name, replayed.id, replayed.starts_at, personality, '');

    const callerNumber = call.caller_number ? normalizePhoneNumber(call.caller_number) : undefined;
    const callerPhone = callerNumber?.ok ? callerNumber.e164 : null;
    // A calling number that does not validate is kept on the booking, marked unverified, never dropped.
    const patientPhoneRaw = callerPhone ? null : (call.caller_number_raw ?? null);
    // The caps are counted under the clinic's booking turn, so two calls booking at once cannot both slip under them.
    await takeClinicBookingTurn(tx, clinicId);
    if ((await countLiveBookings(tx, clinicId, { callId: call.id })) >= limits.perCall) {
      return {
        refused: `I can only book ${limits.perCall === 1 ? 'one appointment' : `${limits.perCall} appointments`} on one call. The front desk can book any more; offer to take a message for them.`,
      };
    }
    if (
      callerPhone &&
      (await countLiveBookings(tx, clinicId, { patientPhone: callerPhone, since: new Date(context.now.getTime() - DAY_MS) })) >=
        limits.perCallerPerDay
    ) {
      return {
        refused:
          'This number already has as many appointments booked today as I am allowed to make. The front desk can help with more; offer to take a message for them.',
      };
    }

    const dateOfBirth = dateOfBirthFrom(args.dateOfBirth, context.now);
    const review: string[] = [];
    let patientId: string | null = null;
    if (callerPhone) {
      const onFile = await tx
        .selectFrom('patients')
        .select(['id', 'name', 'date_of_birth'])
        .where('clinic_id', '=', clinicId)
        .where('phone', '=', callerPhone)
        .executeTakeFirst();
      if (!onFile) {
        patientId = await addPatient(tx, clinicId, callerPhone, patientName, dateOfBirth ?? null);
      } else if (namesMatch(patientName, onFile.name)) {
        patientId = onFile.id;
        if (dateOfBirth && onFile.date_of_birth && dateOfBirth !== onFile.date_of_birth) {
          review.push('The date of birth given on the call differs from the one on file.');
        }
      } else {
        // Someone else on this number (or someone pretending): even a caller who proved who they are
        // may be booking for a relative. Never filed under, or renaming, the patient on file.
        review.push(`The caller gave the name “${patientName}”, but this number is on file for “${onFile.name}”.`);
      }
    }
    // A number the model supplies is never used to text or file anyone: it is only a note for staff,
    // kept as given (marked unverified) when it does not validate, so nothing the caller said is lost.
    const contact = sortPhoneNumber(text(args.phoneNumber, 40) ?? text(args.phone, 40));
    const notes = [
      text(args.notes, 1000),
      contact.valid && contact.valid !== callerPhone ? `Contact number given on the call: ${contact.valid}.` : undefined,
      contact.raw ? `Contact number given on the call (not a valid number, unverified): ${contact.raw}.` : undefined,
    ].filter(Boolean);

    try {
      const { booking, created } = await createBooking(tx, events, {
        clinicId,
        callId: call.id,
        patientId,
        patientName,
        patientPhone: callerPhone,
        patientPhoneRaw,
        service: text(args.service) ?? text(args.reason) ?? text(args.appointmentType) ?? text(args.visitReason) ?? null,
        startsAt,
        endsAt,
        notes: notes.length ? notes.join(' ') : null,
        idempotencyKey,
        reviewReason: review.length ? review.join(' ') : null,
      });
      if (created && review.length) {
        await raiseWorkItem(tx, events, {
          clinicId,
          causeKey: `booking-review:${booking.id}`,
          kind: 'booking_review',
          title: `Check the booking for ${patientName}`,
          detail: review.join(' '),
          callId: call.id,
          callerNumber: callerPhone,
          bookingId: booking.id,
          now: context.now,
        });
      }
      // The call now belongs to this patient and (if it already ended) its outcome becomes "booked".
      await saveCall(tx, events, this.deps, call, { patient_id: call.patient_id ?? patientId });
      if (created && this.deps.stats) {
        events.emit(clinicId, { kind: 'stats.changed', data: { stats: await this.deps.stats(tx, clinicId) } });
      }
      const countries = callerPhone ? await allowedCountries(tx, clinicId, personality, this.deps.defaultCountry) : [];
      const textable = callerPhone !== null && review.length === 0 && reachableNumberProblem(callerPhone, countries) === undefined;
      if (created && textable) {
        context.afterCommit.push(() =>
          this.deps.sms.queueConfirmation({
            clinicId,
            bookingId: booking.id,
            patientName,
            patientPhone: callerPhone,
            startsAt,
            timeZone: personality.timeZone,
          }),
        );
      }
      const followUp = textable ? ' A confirmation text is on its way.' : review.length ? ' The front desk will confirm it.' : '';
      return bookedAnswer(patientName, booking.id, startsAt, personality, followUp);
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

  /**
   * Whether the number the call comes from belongs to a patient, and their next appointment once the
   * caller has proved who they are. The number is the stored call's, never an argument: the model
   * cannot ask about anyone else. Before the check passes it says at most a first name (and not even
   * that when the full name is what the caller has to say).
   */
  private async lookupCaller(context: ToolContext): Promise<Outcome> {
    const { tx, clinicId, call, args, now } = context;
    const phone = call.caller_number ? normalizePhoneNumber(call.caller_number) : undefined;
    if (!phone?.ok) {
      return {
        onFile: false,
        message:
          'The caller’s number is withheld, so no records can be looked up. Book as a new patient; for anything about an existing appointment offer a call back from the front desk.',
      };
    }
    const patient = await tx
      .selectFrom('patients')
      .select(['id', 'name', 'date_of_birth'])
      .where('clinic_id', '=', clinicId)
      .where('phone', '=', phone.e164)
      .executeTakeFirst();
    if (!patient) return { onFile: false, message: 'This number is not on file: treat the caller as a new patient.' };
    let current = call;
    if (current.patient_id === null) current = await saveCall(tx, context.events, this.deps, current, { patient_id: patient.id });
    if (current.verified_patient_id === patient.id) return this.patientDetails(context, patient);

    const proof = patient.date_of_birth ? 'date of birth' : 'full name';
    const given = patient.date_of_birth ? dateOfBirthFrom(args.dateOfBirth, now) : text(args.fullName);
    if (given === undefined) {
      return {
        onFile: true,
        verified: false,
        ...(patient.date_of_birth ? { firstName: firstNameOf(patient.name) } : {}),
        message: `This number is on file. Say nothing about the patient or their appointments yet: ask the caller for their ${proof}${patient.date_of_birth ? ' (as YYYY-MM-DD)' : ''} and call lookupCaller again with it.`,
      };
    }
    if ((await checksLeft(tx, call.id, patient.id, now)) <= 0) {
      return {
        refused:
          'I can’t confirm the caller’s identity over the phone any more. Don’t discuss their records; offer a call back from the front desk instead.',
      };
    }
    const passed = patient.date_of_birth ? given === patient.date_of_birth : namesMatch(given, patient.name);
    await recordCheck(tx, { clinicId, callId: call.id, patientId: patient.id, passed, at: now });
    if (!passed) {
      const left = await checksLeft(tx, call.id, patient.id, now);
      return {
        onFile: true,
        verified: false,
        attemptsLeft: left,
        message:
          left > 0
            ? `That ${proof} does not match our records. Don’t say what is on file. The caller may try again (${left} more ${left === 1 ? 'try' : 'tries'}).`
            : `That ${proof} does not match our records. Don’t discuss their records; offer a call back from the front desk instead.`,
      };
    }
    await saveCall(tx, context.events, this.deps, current, { verified_patient_id: patient.id });
    return this.patientDetails(context, patient);
  }

  /**
   * A message for the front desk, who will call back: a callback item in the shared work queue. The
   * number is the one the call comes from as stored on the call; a number the caller says is only part
   * of the message. Capped per call, and a replayed tool call adds nothing (its id is the cause key).
   */
  private async takeMessage(context: ToolContext): Promise<Outcome> {
    const { tx, events, clinicId, call, args, toolCall } = context;
    const reason = text(args.reason, 1000) ?? text(args.message, 1000);
    if (!reason) return { taken: false, message: 'Ask what the message is about, then call takeMessage again with it as reason.' };
    const callbackWindow = text(args.callbackWindow, 100);
    const key = `message:${toolCall.id}`;
    const replay = await tx
      .selectFrom('work_item_causes')
      .select('cause_key')
      .where('clinic_id', '=', clinicId)
      .where('cause_key', '=', key)
      .executeTakeFirst();
    if (!replay) {
      const taken = await tx
        .selectFrom('work_items')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('call_id', '=', call.id)
        .where('kind', '=', 'callback_requested')
        .executeTakeFirstOrThrow();
      if (Number(taken.n) >= MESSAGES_PER_CALL) {
        return { refused: 'The front desk already has this caller’s message. Tell the caller it has been passed on.' };
      }
      await raiseWorkItem(tx, events, {
        clinicId,
        causeKey: key,
        kind: 'callback_requested',
        title: 'Call back requested',
        detail: callbackWindow ? `${reason} (Best time to call back: ${callbackWindow}.)` : reason,
        callId: call.id,
        callerNumber: call.caller_number,
        patientId: call.patient_id,
        now: context.now,
      });
    }
    return {
      taken: true,
      message: call.caller_number
        ? 'The message is with the front desk; they will call back on the number the caller is calling from.'
        : 'The message is with the front desk. The caller’s number is withheld: make sure the message includes a number to call back.',
    };
  }

  private async patientDetails(context: ToolContext, patient: { id: string; name: string }): Promise<Answer> {
    const next = await context.tx
      .selectFrom('bookings')
      .select(['starts_at', 'service'])
      .where('clinic_id', '=', context.clinicId)
      .where('patient_id', '=', patient.id)
      .where('status', '<>', 'cancelled')
      .where('starts_at', '>', context.now)
      .orderBy('starts_at')
      .executeTakeFirst();
    const zone = context.personality.timeZone;
    return {
      onFile: true,
      verified: true,
      patientName: patient.name,
      nextAppointment: next ? next.starts_at.toISOString() : null,
      message: next
        ? `Confirmed: ${patient.name}. Next appointment ${spokenTime(next.starts_at, zone)}${next.service ? ` (${next.service})` : ''}.`
        : `Confirmed: ${patient.name}. No upcoming appointment.`,
    };
  }

  /**
   * Puts the caller through to the clinic's transfer number with Vapi's live call control. Recorded on
   * the call and raised for the front desk first; the platform is asked outside any transaction (its
   * webhooks about this call must not wait on our lock); when it cannot happen (no number, no control
   * URL, the request refused) the assistant is told to take a message and the attention item says so.
   */
  private async transferToFrontDesk(
    clinicId: string,
    vapiCall: VapiCall | undefined,
    personality: AgentPersonality,
    toolCall: ToolCall,
  ): Promise<Outcome> {
    if (!vapiCall) return { message: 'This tool can only be used during a call.' };
    const args = toolArguments(toolCall);
    const reason = text(args.reason, 120);
    const asked =
      args.callerAskedForStaff === true || (reason !== undefined && /\b(human|person|someone|staff|receptionist|real)\b/i.test(reason));
    const destination = personality.transferNumber;
    const controlUrl = vapiCall.monitor?.controlUrl;
    const controllable = this.deps.control.accepts(controlUrl);
    const now = this.now();

    const plan = await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
      const { row } = await lockOrCreateCall(tx, events, this.deps, clinicId, vapiCall, 'in-progress');
      // Once asked, the same call is not transferred again (a replayed or repeated tool call).
      if (row.transfer_status === 'requested' || row.transfer_status === 'forwarding' || row.transfer_status === 'connected') {
        return { state: 'already' as const };
      }
      if (row.transfer_status === 'failed') return { state: 'failed' as const, failure: row.transfer_failure ?? 'failed' };
      const failure: CallTransferFailure | null = !destination ? 'no_number' : !controllable ? 'no_control' : null;
      const saved = await applyTransferFacts(tx, events, this.deps, row, [
        { status: failure ? 'failed' : 'requested', failure, destination, at: now },
      ]);
      const patientName = await patientNameOf(tx, saved);
      await this.raiseTransferAttention(tx, events, saved, {
        asked,
        patientName,
        message: failure
          ? `${reason ? `Transfer requested (${reason}), but ` : 'A transfer was requested, but '}${TRANSFER_FAILURE_TEXT[failure]}: the assistant is taking a message. Call the patient back.`
          : `${reason ? `Transfer requested: ${reason}.` : 'The caller asked for the front desk.'} Putting them through to ${maskPhoneNumber(destination)}.`,
      });
      const caller = saved.verified_patient_id
        ? (patientName ?? 'a caller')
        : patientName
          ? `a caller from ${patientName}’s number`
          : 'a caller';
      return { state: failure ? ('failed' as const) : ('ready' as const), failure, caller };
    });

    if (plan.state === 'already') {
      return { transferring: true, message: 'The caller is already being put through to the front desk. Say nothing more.' };
    }
    if (plan.state === 'failed') return { refused: `I can’t put the caller through to the front desk right now. ${TAKE_A_MESSAGE}` };

    try {
      await this.deps.control.transfer(
        controlUrl!,
        transferDestination(personality, destination!, plan.caller, reason),
        TRANSFER_ANNOUNCEMENT,
      );
    } catch (error) {
      const detail = error instanceof CallControlError ? { kind: error.kind, status: error.status } : { err: error };
      this.deps.logger.warn({ ...detail, clinicId }, 'transfer to the front desk could not be started');
      await transactionWithEvents(this.deps.db, this.deps.bus, async (tx, events) => {
        const { row } = await lockOrCreateCall(tx, events, this.deps, clinicId, vapiCall, 'in-progress');
        const saved = await applyTransferFacts(tx, events, this.deps, row, [
          { status: 'failed', failure: 'refused', destination, at: this.now() },
        ]);
        // Unless the platform's own webhooks already moved the transfer on (it went through after all).
        if (saved.transfer_status === 'failed') {
          await this.raiseTransferAttention(tx, events, saved, {
            asked,
            force: true,
            patientName: await patientNameOf(tx, saved),
            message: `The transfer to the front desk (${maskPhoneNumber(destination)}) could not be started: the assistant is taking a message. Call the patient back.`,
          });
        }
      });
      return { refused: `I can’t put the caller through to the front desk right now. ${TAKE_A_MESSAGE}` };
    }
    return {
      transferring: true,
      message: `The caller is being put through to the front desk; they hear “${TRANSFER_ANNOUNCEMENT}” Say nothing more.`,
    };
  }

  /** Flags the call and raises attention (once per call, unless `force`: a later failure is news). */
  private async raiseTransferAttention(
    tx: Tx,
    events: EventRecorder,
    call: CallRow,
    attention: { asked: boolean; message: string; patientName: string | null; force?: boolean },
  ): Promise<void> {
    if (call.needs_attention && !attention.force) return;
    const saved = call.needs_attention ? call : await saveCall(tx, events, this.deps, call, { needs_attention: true });
    events.emit(saved.clinic_id, {
      kind: 'attention.needed',
      data: {
        callId: saved.id,
        reason: attention.asked ? 'caller_asked_for_staff' : 'transfer_requested',
        message: attention.message,
        patientName: attention.patientName,
        callerNumber: saved.caller_number,
      },
    });
  }

  private async raiseToolFailure(clinicId: string, vapiCall: VapiCall | undefined, toolCall: ToolCall): Promise<void> {
    const tool = toolCall.function.name;
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
      // One item per call however many tools fail on it.
      await raiseWorkItem(tx, events, {
        clinicId,
        causeKey: call ? `tool-failed:${call.id}` : `tool-failed:tool-call:${toolCall.id}`,
        kind: 'needs_person',
        title: 'The assistant could not finish a task',
        detail: `The assistant could not complete ${tool.slice(0, 40)}; the caller may need help.`,
        callId: call?.id ?? null,
        callerNumber: call?.caller_number ?? null,
        patientId: call?.patient_id ?? null,
        now: this.now(),
      });
    });
    this.deps.logger.warn({ tool, caller: maskPhoneNumber(vapiCall?.customer?.number) }, 'attention raised for a failed tool');
  }
}

function bookedAnswer(patientName: string, bookingId: string, startsAt: Date, personality: AgentPersonality, followUp: string): Answer {
  return {
    booked: true,
    bookingId,
    startsAt: startsAt.toISOString(),
    message: `Booked ${patientName} for ${spokenTime(startsAt, personality.timeZone)}.${followUp}`,
  };
}

/** A new patient for the calling number; a concurrent call that added them first wins and is used. */
async function addPatient(tx: Tx, clinicId: string, phone: string, name: string, dateOfBirth: string | null): Promise<string> {
  const inserted = await tx
    .insertInto('patients')
    .values({ clinic_id: clinicId, phone, name, date_of_birth: dateOfBirth })
    .onConflict((oc) => oc.columns(['clinic_id', 'phone']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await tx
    .selectFrom('patients')
    .select('id')
    .where('clinic_id', '=', clinicId)
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  return existing.id;
}

/** The clinic's transfer number with its warm-transfer briefing (or a blind transfer). */
export function transferDestination(
  personality: AgentPersonality,
  number: string,
  caller: string,
  reason: string | undefined,
): TransferDestination {
  const warm = personality.warmTransfer ?? DEFAULT_WARM_TRANSFER;
  // The caller already heard TRANSFER_ANNOUNCEMENT from the assistant: nothing more before the ringing.
  const base = { type: 'number' as const, number, message: '' };
  if (!warm.enabled) return { ...base, transferPlan: { mode: 'blind-transfer' } };
  if (warm.briefing === 'summary') {
    return {
      ...base,
      transferPlan: {
        mode: 'warm-transfer-say-summary',
        summaryPlan: {
          enabled: true,
          timeoutSeconds: 5,
          messages: [
            { role: 'system', content: WARM_SUMMARY_PROMPT },
            { role: 'user', content: 'Here is the transcript:\n\n{{transcript}}' },
          ],
        },
      },
    };
  }
  const message = fillTemplate(warm.message, { caller, reason: reason ?? 'a question for the front desk' }).slice(0, 1000);
  return { ...base, transferPlan: { mode: 'warm-transfer-say-message', message } };
}

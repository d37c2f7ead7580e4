// Two weeks of believable history for the sandbox demo clinic, so a first `npm start` shows a console
// with something in it: answered questions, bookings (some today), returning patients, missed and
// abandoned calls, a robocall, and a few calls that still need a human. Generated once (its calls
// carry `demo-history-` provider ids), deterministically, straight into the tables: it is the past,
// so no live events are emitted for it.
import { randomUUID } from 'node:crypto';
import { normalizePhoneNumber } from '@voxanne/protocol';
import type { Db } from '../src/db/database.js';
import type { CallOutcomeColumn } from '../src/db/schema.js';
import { DEMO_FRONT_DESK_NUMBER } from './demo-clinic.js';
import type { Tx } from '../src/live/event-log.js';
import { clinicToday } from '../src/clinics/clinic-days.js';

const MARKER = 'demo-history-';
const DAYS = 14;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const PATIENTS = [
  'Margaret Ellis',
  'Tom Hughes',
  'Priya Patel',
  'James O’Connor',
  'Sofia Rossi',
  'Daniel Kim',
  'Aisha Rahman',
  'George Wright',
  'Hannah Clarke',
  'Mohammed Ali',
  'Emily Turner',
  'Lucas Silva',
  'Grace Bennett',
  'Oliver Shaw',
];
const SERVICES = [
  'General check-up',
  'Blood test',
  'Flu vaccination',
  'Travel vaccination',
  'Asthma review',
  'Repeat prescription review',
  'Physiotherapy assessment',
  'Smear test',
];
const QUESTIONS: Array<{ ask: string; answer: string; summary: string }> = [
  {
    ask: 'Hi, what time are you open until today?',
    answer: 'We are open until six this evening, Monday to Friday, from half past eight in the morning.',
    summary: 'Asked about opening hours; told 08:30–18:00 on weekdays.',
  },
  {
    ask: 'Is there parking at the clinic?',
    answer: 'Yes, there are twelve free spaces behind the building, including two accessible bays by the entrance.',
    summary: 'Asked about parking; told about the free car park and accessible bays.',
  },
  {
    ask: 'How do I order a repeat prescription?',
    answer: 'You can order it through the clinic app or drop the slip at reception; it is ready to collect after two working days.',
    summary: 'Asked how to order a repeat prescription; explained the app and the two-day turnaround.',
  },
  {
    ask: 'Do I need to fast before a blood test?',
    answer: 'Only if your doctor asked for a fasting test. If so, water is fine, but nothing to eat for ten to twelve hours before.',
    summary: 'Asked about fasting before a blood test; explained when fasting is needed.',
  },
  {
    ask: 'Can I get my test results over the phone?',
    answer: 'For your privacy a member of the team calls you back with results. I can ask them to call you this afternoon.',
    summary: 'Asked for test results; a call-back from the team was offered.',
  },
];

type Kind = 'booked' | 'question' | 'transfer' | 'missed' | 'abandoned' | 'spam';
type Question = (typeof QUESTIONS)[number];
interface Patient {
  id: string;
  name: string;
  phone: string;
}
interface DemoCall {
  at: Date;
  kind: Kind;
  patient: Patient | null;
  callerNumber: string;
  needsAttention: boolean;
  service: string;
  question: Question;
  /** The appointment a booking call made. */
  slot: Date | null;
}
interface Context {
  clinicId: string;
  clinicName: string;
  timeZone: string;
  now: Date;
  random: () => number;
}
const OUTCOME: Record<Kind, CallOutcomeColumn> = {
  booked: 'booked',
  question: 'answered',
  transfer: 'transferred',
  missed: 'missed',
  abandoned: 'abandoned',
  spam: 'spam',
};
const ENDED_REASON: Record<Kind, string> = {
  booked: 'assistant-ended-call',
  question: 'customer-ended-call',
  transfer: 'assistant-forwarded-call',
  missed: 'customer-ended-call',
  abandoned: 'customer-ended-call',
  spam: 'assistant-ended-call',
};
const KIND_WEIGHTS: Array<[Kind, number]> = [
  ['booked', 34],
  ['question', 30],
  ['transfer', 10],
  ['missed', 12],
  ['abandoned', 9],
  ['spam', 5],
];

export interface DemoHistoryResult {
  created: boolean;
  calls: number;
  bookings: number;
}

/** Seeds the history unless it is already there. */
export async function ensureDemoHistory(db: Db, clinicId: string, now: Date = new Date()): Promise<DemoHistoryResult> {
  const existing = await db
    .selectFrom('calls')
    .select('id')
    .where('clinic_id', '=', clinicId)
    .where('provider_call_id', 'like', `${MARKER}%`)
    .limit(1)
    .executeTakeFirst();
  if (existing) return { created: false, calls: 0, bookings: 0 };

  const today = await clinicToday(db, clinicId, now);
  const clinic = await db.selectFrom('clinics').select('name').where('id', '=', clinicId).executeTakeFirstOrThrow();
  const random = seededRandom(0x5eed_d35c);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const phone = (prefix: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const parsed = normalizePhoneNumber(`${prefix}${String(Math.floor(random() * 1e6)).padStart(6, '0')}`);
      if (parsed.ok) return parsed.e164;
    }
    throw new Error(`no valid phone number under ${prefix}`);
  };

  return db.transaction().execute(async (tx) => {
    // Whatever the clinic already has booked (an earlier sandbox run) stays untouched.
    const taken: Booked[] = (
      await tx
        .selectFrom('bookings')
        .select(['starts_at', 'ends_at'])
        .where('clinic_id', '=', clinicId)
        .where('status', '<>', 'cancelled')
        .where('ends_at', '>', new Date(today.start.getTime() - DAYS * DAY))
        .execute()
    ).map((b) => ({ start: b.starts_at.getTime(), end: b.ends_at.getTime() }));
    const patients = await tx
      .insertInto('patients')
      .values(PATIENTS.map((name) => ({ clinic_id: clinicId, name, phone: phone('+447911') })))
      .onConflict((oc) => oc.columns(['clinic_id', 'phone']).doNothing())
      .returning(['id', 'name', 'phone'])
      .execute();

    const context: Context = { clinicId, clinicName: clinic.name, timeZone: today.timeZone, now, random };
    const calls: DemoCall[] = [];
    for (let daysAgo = DAYS - 1; daysAgo >= 0; daysAgo--) {
      const dayStart = today.start.getTime() - daysAgo * DAY;
      const count = isWeekend(new Date(dayStart + 12 * HOUR), today.timeZone) ? 2 + Math.floor(random() * 3) : 8 + Math.floor(random() * 7);
      for (let i = 0; i < count; i++) {
        // Mostly business hours, some early-morning and evening calls the assistant took alone.
        const at = new Date(dayStart + (7.5 + random() * 12) * HOUR);
        if (at.getTime() > now.getTime() - 5 * MINUTE) continue;
        let kind = weighted(random, KIND_WEIGHTS);
        const slot = kind === 'booked' ? freeSlot(random, at, today, taken) : null;
        if (kind === 'booked' && !slot) kind = 'question';
        const patient = patients.length > 0 && random() < 0.55 ? pick(patients) : null;
        calls.push({
          at,
          kind,
          patient,
          callerNumber: patient?.phone ?? phone(pick(['+447911', '+447400', '+447534'])),
          needsAttention: false,
          service: pick(SERVICES),
          question: pick(QUESTIONS),
          slot,
        });
      }
    }
    calls.sort((a, b) => a.at.getTime() - b.at.getTime());
    // A few recent transfers nobody picked up still wait for the front desk.
    for (const call of calls.filter((c) => c.kind === 'transfer' && now.getTime() - c.at.getTime() < 3 * DAY).slice(-3)) {
      call.needsAttention = true;
    }

    let bookings = 0;
    for (const call of calls) bookings += await insertCall(tx, context, call);
    return { created: true, calls: calls.length, bookings };
  });
}

/** Stores one call with its timeline, transcript and booking; answers how many bookings it made. */
async function insertCall(tx: Tx, context: Context, call: DemoCall): Promise<number> {
  const { clinicId } = context;
  const lines = script(call, context);
  const answered = call.kind !== 'missed';
  const ringSeconds = 2 + Math.floor(context.random() * 6);
  const talkSeconds = answered ? lines.reduce((sum, l) => sum + speakingSeconds(l.text), 0) : 0;
  const startedAt = new Date(call.at.getTime() + ringSeconds * 1000);
  const endedAt = answered ? new Date(startedAt.getTime() + talkSeconds * 1000) : call.at;

  const row = await tx
    .insertInto('calls')
    .values({
      clinic_id: clinicId,
      provider_call_id: `${MARKER}${randomUUID()}`,
      direction: 'inbound',
      status: 'ended',
      caller_number: call.callerNumber,
      patient_id: call.patient?.id ?? null,
      started_at: answered ? startedAt : null,
      ended_at: endedAt,
      duration_seconds: talkSeconds,
      ended_reason: ENDED_REASON[call.kind],
      outcome: OUTCOME[call.kind],
      summary: summaryOf(call, context),
      analysis: answered
        ? JSON.stringify({
            successEvaluation: call.kind === 'booked' || call.kind === 'question' ? 'true' : 'false',
            structuredData: call.kind === 'booked' ? { service: call.service, appointment: call.slot?.toISOString() } : {},
          })
        : null,
      recording_url: null,
      cost_usd: Math.round(talkSeconds * 0.0011 * 1000) / 1000,
      needs_attention: call.needsAttention,
      // Transfers to the demo front desk: the ones still waiting for a call back were not answered.
      ...(call.kind === 'transfer'
        ? {
            transfer_destination: DEMO_FRONT_DESK_NUMBER,
            transfer_at: new Date(endedAt.getTime() - 5_000),
            transfer_status: call.needsAttention ? ('failed' as const) : ('connected' as const),
            transfer_failure: call.needsAttention ? ('no_answer' as const) : null,
          }
        : {}),
      created_at: call.at,
      updated_at: endedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  await tx
    .insertInto('call_status_changes')
    .values([
      { call_id: row.id, clinic_id: clinicId, status: 'ringing', at: call.at },
      ...(answered ? [{ call_id: row.id, clinic_id: clinicId, status: 'in-progress' as const, at: startedAt }] : []),
      { call_id: row.id, clinic_id: clinicId, status: 'ended', at: endedAt },
    ])
    .execute();

  if (lines.length > 0) {
    let offset = 1;
    await tx
      .insertInto('transcript_segments')
      .values(
        lines.map((line, i) => {
          const segment = {
            call_id: row.id,
            clinic_id: clinicId,
            speaker: line.speaker,
            text: line.text,
            offset_seconds: offset,
            at: new Date(startedAt.getTime() + offset * 1000),
            dedupe_key: `${MARKER}${i}`,
          };
          offset += speakingSeconds(line.text);
          return segment;
        }),
      )
      .execute();
  }

  if (!call.slot) return 0;
  await tx
    .insertInto('bookings')
    .values({
      clinic_id: clinicId,
      call_id: row.id,
      patient_id: call.patient?.id ?? null,
      patient_name: call.patient?.name ?? NEW_CALLER_NAME,
      patient_phone: call.callerNumber,
      service: call.service,
      starts_at: call.slot,
      ends_at: new Date(call.slot.getTime() + 30 * MINUTE),
      // The desk has confirmed what is already past and about half of what is coming.
      status: call.slot < context.now || context.random() < 0.5 ? 'confirmed' : 'pending',
      notes: null,
      idempotency_key: `${MARKER}${row.id}`,
      created_at: endedAt,
      updated_at: endedAt,
    })
    .execute();
  return 1;
}

const NEW_CALLER_NAME = 'Alex Morgan';

/** Roughly how long a line takes to say, in seconds. */
function speakingSeconds(text: string): number {
  return 3 + Math.ceil(text.length / 14);
}

interface Booked {
  start: number;
  end: number;
}

/** A free 30-minute weekday slot between 09:00 and 17:00 (clinic time), 0–6 days after the call. */
function freeSlot(random: () => number, callAt: Date, today: { start: Date; timeZone: string }, taken: Booked[]): Date | null {
  const todayStart = today.start;
  const callDay = Math.floor((callAt.getTime() - todayStart.getTime()) / DAY);
  for (let attempt = 0; attempt < 40; attempt++) {
    const day = callDay + Math.floor(random() * 7);
    const start = todayStart.getTime() + day * DAY + 9 * HOUR + Math.floor(random() * 16) * 30 * MINUTE;
    const end = start + 30 * MINUTE;
    if (isWeekend(new Date(start), today.timeZone) || start <= callAt.getTime() + HOUR) continue;
    if (taken.some((b) => b.start < end && b.end > start)) continue;
    taken.push({ start, end });
    return new Date(start);
  }
  return null;
}

interface Line {
  speaker: 'assistant' | 'caller';
  text: string;
}

function script(call: DemoCall, context: Context): Line[] {
  const a = (text: string): Line => ({ speaker: 'assistant', text });
  const p = (text: string): Line => ({ speaker: 'caller', text });
  const firstName = call.patient?.name.split(' ')[0];
  const service = call.service.toLowerCase();
  const hello = a(`Hello, thank you for calling ${context.clinicName}. This is Ava, the clinic's assistant. How can I help you today?`);
  const known = firstName ? `Thanks, ${firstName}, I can see you are one of our patients.` : 'Thanks.';
  const when = call.slot ? spokenTime(call.slot, context.timeZone) : 'next week';
  switch (call.kind) {
    case 'booked':
      return [
        hello,
        p(`Hi, I'd like to book a ${service}, please.`),
        a(`${known} Could I have your full name to start?`),
        p(`It's ${call.patient?.name ?? NEW_CALLER_NAME}.`),
        a(`Thank you. The first time I have is ${when}. Would that suit you?`),
        p('Yes, that works.'),
        a(`Lovely. I've booked your ${service} for ${when}, and you'll get a text to confirm. Is there anything else?`),
        p("No, that's all. Thank you!"),
        a('You are welcome. Take care, goodbye.'),
      ];
    case 'question':
      return [hello, p(call.question.ask), a(call.question.answer), p('Great, thanks for your help.'), a('You are welcome. Goodbye.')];
    case 'transfer':
      return [
        hello,
        p("I need to talk to someone about my mum's medication, it's a bit complicated."),
        a('Of course. That is best handled by our team, so I am transferring you to the front desk now. Please hold.'),
      ];
    case 'abandoned':
      return [hello, p('Oh, sorry, wrong number.')];
    case 'spam':
      return [
        hello,
        p('This is an important message about your energy bill. Press one to speak to an adviser.'),
        a('This line is for patients of the clinic, so I will end the call now. Goodbye.'),
      ];
    case 'missed':
      return [];
  }
}

function summaryOf(call: DemoCall, context: Context): string | null {
  const who = call.patient?.name.split(' ')[0] ?? 'A new caller';
  switch (call.kind) {
    case 'booked':
      return `${who} booked a ${call.service.toLowerCase()} for ${call.slot ? spokenTime(call.slot, context.timeZone) : 'a later date'}.`;
    case 'question':
      return call.question.summary;
    case 'transfer':
      return `${who} asked to speak to staff about a family member's medication; transferred to the front desk${call.needsAttention ? ' (no one picked up: call back)' : ''}.`;
    case 'abandoned':
      return 'The caller hung up straight after the greeting.';
    case 'spam':
      return 'Automated sales call; the assistant ended it.';
    case 'missed':
      return null;
  }
}

function isWeekend(at: Date, timeZone: string): boolean {
  const day = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  return day === 'Sat' || day === 'Sun';
}

function spokenTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: 'numeric',
    minute: '2-digit',
  }).format(at);
}

function weighted<T>(random: () => number, choices: Array<[T, number]>): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let roll = random() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** mulberry32: a small deterministic generator, so every fresh demo looks the same. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

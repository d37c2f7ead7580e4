// The scripted conversations the sandbox plays, for outbound test calls and simulated patients: a new
// booking, a reschedule, a question answered from the clinic's documents, a caller who wants a person,
// a hang-up, a spam call, and a caller who holds until the front desk acts through the call's control
// URL (for tests and for trying live control by hand). Each is data (who says what, which tool the assistant calls) plus small
// functions that word the next line from what a tool answered, so the assistant's lines follow the
// backend's real answers (free slots, booking result, identity check, transfer). A transfer the
// backend starts through the call's control URL takes the call over from the script
// (call-simulator.ts); the script's own lines after it are what happens when it could not.

export const SCRIPT_NAMES = [
  'new-booking',
  'reschedule',
  'knowledge-question',
  'asks-for-human',
  'hang-up',
  'spam',
  'waits-on-hold',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export function isScriptName(value: unknown): value is ScriptName {
  return typeof value === 'string' && (SCRIPT_NAMES as readonly string[]).includes(value);
}

export interface ScriptContext {
  callerName: string;
  callerNumber: string;
  /** The caller's date of birth, YYYY-MM-DD (the same for every call from one number). */
  dateOfBirth: string;
  greeting: string;
  /** Text of the clinic's knowledge documents (via the assistant's query tool). */
  knowledge: string[];
  /** YYYY-MM-DD, a day from now. */
  tomorrow: string;
  random: () => number;
}

/** Tool answers so far, by the name the step stored them under; `lastCallerLine` holds what the caller just said. */
export type Memory = Record<string, Record<string, unknown> | undefined>;

type Line = string | ((ctx: ScriptContext, memory: Memory) => string);

export type Step =
  | { speaker: 'assistant' | 'caller'; say: Line }
  | {
      tool: 'checkAvailability' | 'bookAppointment' | 'lookupCaller' | 'transferToFrontDesk';
      args: (ctx: ScriptContext, memory: Memory) => Record<string, unknown>;
      remember: string;
    }
  | { pause: number }
  /**
   * Waits until the call's control URL receives something, or this many seconds of real time pass
   * (not sped up: a caller on hold waits for a person, whatever the simulation's pace).
   */
  | { hold: number };

export interface ConversationScript {
  name: ScriptName;
  steps: Step[];
  endedReason: string;
  category: 'booking' | 'reschedule' | 'question' | 'human' | 'spam' | 'other';
  summary: (ctx: ScriptContext, memory: Memory) => string;
}

const messageOf = (answer: Record<string, unknown> | undefined, fallback: string): string =>
  typeof answer?.message === 'string' ? answer.message : fallback;

function slots(memory: Memory, key: string): string[] {
  const list = memory[key]?.freeSlots;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
}

function chosenSlot(memory: Memory, key: string): { date: string; time: string } | undefined {
  const answer = memory[key];
  const list = slots(memory, key);
  const time = list[0] ?? (typeof answer?.time === 'string' ? answer.time : undefined);
  const date = typeof answer?.date === 'string' ? answer.date : undefined;
  return time && date ? { date, time } : undefined;
}

function offerLine(memory: Memory, key: string): string {
  const list = slots(memory, key);
  const date = memory[key]?.date;
  if (list.length === 0) return 'I’m sorry, I can’t see any free appointments soon. I’ll ask the front desk to call you back.';
  return `I have ${list.slice(0, 3).join(', ')} on ${String(date)}. Would ${list[0]} suit you?`;
}

function bookedLine(memory: Memory, key: string): string {
  const refusal = memory[key]?.error;
  return typeof refusal === 'string' ? refusal : messageOf(memory[key], 'Sorry, I wasn’t able to book that.');
}

const STOP = new Set([
  'the',
  'a',
  'an',
  'do',
  'you',
  'is',
  'are',
  'what',
  'there',
  'to',
  'my',
  'i',
  'at',
  'of',
  'for',
  'your',
  'should',
  'can',
  'on',
]);

/** The sentence of the clinic's documents that best matches the question, or undefined. */
export function answerFromKnowledge(question: string, documents: string[]): string | undefined {
  const words = new Set(
    question
      .toLowerCase()
      .match(/[a-z]{3,}/g)
      ?.filter((w) => !STOP.has(w)) ?? [],
  );
  let best: { sentence: string; score: number } | undefined;
  for (const doc of documents) {
    for (const sentence of doc.split(/(?<=[.!?])\s+|\n+/)) {
      const trimmed = sentence.trim();
      if (trimmed.length < 8) continue;
      const score = (trimmed.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((w) => words.has(w)).length;
      if (score > 0 && (!best || score > best.score)) best = { sentence: trimmed, score };
    }
  }
  return best?.sentence;
}

const QUESTIONS = [
  'Do you offer flu vaccinations?',
  'Is there parking at the clinic?',
  'What should I bring to my first appointment?',
  'What are your opening hours on Saturday?',
];

export const SCRIPTS: Record<ScriptName, ConversationScript> = {
  'new-booking': {
    name: 'new-booking',
    category: 'booking',
    endedReason: 'customer-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: 'Hi, I’d like to book an appointment for a check-up, please.' },
      { tool: 'lookupCaller', args: () => ({}), remember: 'caller' },
      { speaker: 'assistant', say: 'Of course. Could I take your full name and date of birth?' },
      { speaker: 'caller', say: (c) => `It’s ${c.callerName}, born ${spokenDate(c.dateOfBirth)}.` },
      { tool: 'checkAvailability', args: (c) => ({ date: c.tomorrow }), remember: 'availability' },
      { speaker: 'assistant', say: (_c, m) => offerLine(m, 'availability') },
      {
        speaker: 'caller',
        say: (_c, m) => (slots(m, 'availability')[0] ? `Yes, ${slots(m, 'availability')[0]} is perfect.` : 'Okay, thank you.'),
      },
      {
        tool: 'bookAppointment',
        args: (c, m) => ({ patientName: c.callerName, ...chosenSlot(m, 'availability'), service: 'Check-up', dateOfBirth: c.dateOfBirth }),
        remember: 'booking',
      },
      { speaker: 'assistant', say: (_c, m) => bookedLine(m, 'booking') },
      { speaker: 'caller', say: 'Lovely, thank you. Bye!' },
      { speaker: 'assistant', say: 'You’re welcome. Goodbye!' },
    ],
    summary: (c, m) =>
      m.booking?.booked === true
        ? `${c.callerName} called to book a check-up; the assistant booked ${String(m.booking.startsAt)}.`
        : `${c.callerName} called to book a check-up, but no slot could be booked.`,
  },
  reschedule: {
    name: 'reschedule',
    category: 'reschedule',
    endedReason: 'customer-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: (c) => `Hello, this is ${c.callerName}. I need to move my appointment to another day.` },
      { tool: 'lookupCaller', args: () => ({}), remember: 'caller' },
      {
        speaker: 'assistant',
        say: (_c, m) =>
          m.caller?.onFile === true
            ? 'I can help with that. For your security, could you confirm your date of birth?'
            : 'I can help with that. Could I take your date of birth for the booking?',
      },
      { speaker: 'caller', say: (c) => `It’s ${spokenDate(c.dateOfBirth)}.` },
      {
        tool: 'lookupCaller',
        args: (c, m) => (m.caller?.onFile === true ? { dateOfBirth: c.dateOfBirth, fullName: c.callerName } : {}),
        remember: 'verified',
      },
      {
        speaker: 'assistant',
        say: (_c, m) =>
          m.verified?.verified === true
            ? `Thank you. I can see your ${m.verified.nextAppointment ? 'appointment' : 'record'}. Which day would suit you better?`
            : 'Thank you. I’ll book you a new time and the front desk will sort out the old one. Which day would suit you better?',
      },
      { speaker: 'caller', say: 'Is there anything the day after tomorrow?' },
      { tool: 'checkAvailability', args: (c) => ({ date: addDays(c.tomorrow, 1) }), remember: 'availability' },
      { speaker: 'assistant', say: (_c, m) => offerLine(m, 'availability') },
      { speaker: 'caller', say: 'Yes please, that works.' },
      {
        tool: 'bookAppointment',
        args: (c, m) => ({
          patientName: c.callerName,
          ...chosenSlot(m, 'availability'),
          reason: 'Rescheduled appointment',
          dateOfBirth: c.dateOfBirth,
        }),
        remember: 'booking',
      },
      { speaker: 'assistant', say: (_c, m) => `${bookedLine(m, 'booking')} I’ll let the front desk release your old slot.` },
      { speaker: 'caller', say: 'Great, thanks a lot.' },
    ],
    summary: (c, m) =>
      m.booking?.booked === true
        ? `${c.callerName} rescheduled; new appointment ${String(m.booking.startsAt)}. The old slot needs releasing.`
        : `${c.callerName} wanted to reschedule but no new slot was booked.`,
  },
  'knowledge-question': {
    name: 'knowledge-question',
    category: 'question',
    endedReason: 'customer-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: (c) => QUESTIONS[Math.floor(c.random() * QUESTIONS.length)]! },
      {
        speaker: 'assistant',
        say: (c, m) => {
          const question = m.lastCallerLine?.text;
          const answer = typeof question === 'string' ? answerFromKnowledge(question, c.knowledge) : undefined;
          return answer ?? 'I’m sorry, I don’t have that information. I can ask the front desk to call you back.';
        },
      },
      { speaker: 'caller', say: 'That’s helpful, thank you.' },
      { speaker: 'assistant', say: 'Glad I could help. Goodbye!' },
    ],
    summary: (c) => `${c.callerName} asked a question about the clinic and was answered from the clinic’s information.`,
  },
  'asks-for-human': {
    name: 'asks-for-human',
    category: 'human',
    endedReason: 'customer-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: 'Can I speak to a real person, please? It’s about my test results.' },
      {
        tool: 'transferToFrontDesk',
        args: () => ({ reason: 'test results', callerAskedForStaff: true }),
        remember: 'transfer',
      },
      // When the transfer started, the control URL has taken the call over by now; what follows is
      // the assistant taking a message because it could not put the caller through.
      { speaker: 'assistant', say: 'I’m sorry, I can’t put you through right now. Can I take a message for the front desk?' },
      { speaker: 'caller', say: (c) => `Yes please. It’s ${c.callerName}; could someone call me back about my test results?` },
      { speaker: 'assistant', say: 'Of course. I’ve passed that on and the front desk will call you back. Goodbye!' },
    ],
    summary: (c, m) =>
      m.transfer?.transferring === true
        ? `${c.callerName} asked to speak to staff about test results and was put through to the front desk.`
        : `${c.callerName} asked to speak to staff about test results; nobody could take the call, so the assistant took a message for a call back.`,
  },
  'waits-on-hold': {
    name: 'waits-on-hold',
    category: 'other',
    endedReason: 'customer-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: 'I’d like to speak to someone at the front desk when they are free. I can hold.' },
      { speaker: 'assistant', say: 'Of course, please hold for a moment.' },
      // Up to Vapi's default longest call (10 minutes) each.
      { hold: 600 },
      { speaker: 'assistant', say: 'Thank you for holding.' },
      { hold: 600 },
      { speaker: 'assistant', say: 'Thanks for your patience. The front desk is still busy, so I’ll ask them to call you back. Goodbye!' },
    ],
    summary: (c) => `${c.callerName} held for the front desk.`,
  },
  'hang-up': {
    name: 'hang-up',
    category: 'other',
    endedReason: 'customer-ended-call',
    steps: [{ speaker: 'assistant', say: (c) => c.greeting }, { pause: 3 }],
    summary: () => 'The caller hung up straight after the greeting.',
  },
  spam: {
    name: 'spam',
    category: 'spam',
    endedReason: 'assistant-ended-call',
    steps: [
      { speaker: 'assistant', say: (c) => c.greeting },
      { speaker: 'caller', say: 'Congratulations! You have been selected for a free cruise. Press one to claim your prize.' },
      { speaker: 'assistant', say: 'This line is for patients of the clinic. Goodbye.' },
    ],
    summary: () => 'Unsolicited sales call (spam); the assistant ended it.',
  },
};

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const WEIGHTS: Array<[ScriptName, number]> = [
  ['new-booking', 35],
  ['reschedule', 15],
  ['knowledge-question', 20],
  ['asks-for-human', 10],
  ['hang-up', 10],
  ['spam', 10],
];

/** A script for a simulated inbound patient, in realistic proportions. */
export function pickScript(random: () => number): ScriptName {
  let roll = random() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [name, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return 'new-booking';
}

const FIRST = [
  'Amelia',
  'Oliver',
  'Isla',
  'George',
  'Ava',
  'Noah',
  'Mia',
  'Arthur',
  'Grace',
  'Leo',
  'Freya',
  'Harry',
  'Zara',
  'Samir',
  'Priya',
];
const LAST = ['Patel', 'Smith', 'Jones', 'Williams', 'Brown', 'Taylor', 'Khan', 'Davies', 'Evans', 'Wilson', 'Murphy', 'Okafor', 'Nowak'];

/**
 * A caller: a number from Ofcom's drama range for Manchester (0161 496 0000–0999: valid, never a real
 * line), and the name that number always has, so a patient who rings again is the same patient.
 */
export function randomCaller(random: () => number): { name: string; number: string } {
  const line = Math.floor(random() * 1000);
  const name = `${FIRST[line % FIRST.length]} ${LAST[Math.floor(line / FIRST.length) % LAST.length]}`;
  return { name, number: `+441614960${String(line).padStart(3, '0')}` };
}

/** The date of birth a simulated caller gives: the same for every call from one number. */
export function dateOfBirthFor(number: string): string {
  let hash = 0;
  for (const ch of number) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const year = 1945 + (hash % 60);
  const month = 1 + ((hash >>> 8) % 12);
  const day = 1 + ((hash >>> 16) % 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `1984-03-07` → "7 March 1984", as a caller says it. */
export function spokenDate(date: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

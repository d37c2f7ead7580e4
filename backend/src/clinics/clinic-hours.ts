// Wall-clock time in the clinic's time zone ↔ instants, and the free appointment slots of a day:
// what the assistant's checkAvailability and bookAppointment tools reason with. Uses the runtime's
// IANA time-zone data (Intl), so daylight-saving changes are handled.
import { WEEKDAYS, type AgentPersonality, type Weekday } from '@voxanne/protocol';

export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM */
  time: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isLocalDate(value: unknown): value is string {
  return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export function isLocalTime(value: unknown): value is string {
  return typeof value === 'string' && TIME.test(value);
}

// Building an Intl.DateTimeFormat is far costlier than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(instant: Date, timeZone: string): Record<string, string> {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'long',
    });
    formatters.set(timeZone, formatter);
  }
  return Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
}

/** The clinic-local date and time of an instant. */
export function toLocal(instant: Date, timeZone: string): LocalDateTime & { weekday: Weekday } {
  const p = parts(instant, timeZone);
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, weekday: p.weekday!.toLowerCase() as Weekday };
}

/** The instant a clinic-local wall-clock time denotes (the earlier one when a DST change repeats it). */
export function toInstant(local: LocalDateTime, timeZone: string): Date {
  const [y, m, d] = local.date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = local.time.split(':').map(Number) as [number, number];
  const wanted = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wanted;
  // Two corrections settle the offset (the second covers a guess that crossed a DST change).
  for (let i = 0; i < 2; i++) {
    const p = parts(new Date(guess), timeZone);
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    guess += wanted - shown;
  }
  return new Date(guess);
}

export function weekdayOf(date: string): Weekday {
  const index = new Date(`${date}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(index + 6) % 7]!;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function minutes(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function clock(total: number): string {
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** Whether an appointment of `durationMinutes` starting at `time` fits inside the day's opening hours. */
export function withinHours(personality: AgentPersonality, date: string, time: string, durationMinutes: number): boolean {
  const start = minutes(time);
  return personality.hours[weekdayOf(date)].some((i) => start >= minutes(i.open) && start + durationMinutes <= minutes(i.close));
}

export interface Slot {
  time: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * Appointment starts on `date`, every `appointmentMinutes` from each opening, that do not overlap a
 * taken interval and are not in the past.
 */
export function freeSlots(
  personality: AgentPersonality,
  date: string,
  taken: Array<{ startsAt: Date; endsAt: Date }>,
  now: Date,
  limit = 8,
): Slot[] {
  const length = personality.appointmentMinutes;
  const slots: Slot[] = [];
  for (const interval of personality.hours[weekdayOf(date)]) {
    for (let start = minutes(interval.open); start + length <= minutes(interval.close); start += length) {
      const time = clock(start);
      const startsAt = toInstant({ date, time }, personality.timeZone);
      const endsAt = new Date(startsAt.getTime() + length * 60_000);
      if (startsAt <= now) continue;
      if (taken.some((b) => b.startsAt < endsAt && b.endsAt > startsAt)) continue;
      slots.push({ time, startsAt, endsAt });
      if (slots.length >= limit) return slots;
    }
  }
  return slots;
}

/** "Tuesday 4 March at 09:30", how the assistant and the SMS say an appointment time. */
export function spokenTime(instant: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(instant);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
  return `${day} at ${time}`;
}

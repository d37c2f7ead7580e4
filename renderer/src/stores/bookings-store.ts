// Today's bookings, two ways, kept current by `booking.created` / `booking.updated`:
// - booked today: appointments made today (by the assistant or the desk), newest first, whatever
//   day they are for; the same set the "Bookings" stat counts;
// - appointments today: who is coming in today, in time order.
// "Today" is the clinic's calendar day in its time zone, as named by the dashboard stats.
import { createStore } from 'zustand/vanilla';
import type { Booking, BookingPatch, IpcResult, LiveEvent, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';
import { addDays, dayInTimeZone } from '../format/time';

/** Which calendar day counts as "today", in the clinic's time zone (from the dashboard stats). */
export interface ClinicDay {
  date: string;
  timeZone: string;
}

/**
 * How far ahead bookings made today are looked for on load (the list API selects by appointment
 * day). A booking made today for later than this still arrives live, and is counted in the stats.
 */
export const BOOKED_TODAY_HORIZON_DAYS = 90;

export interface BookingsStore {
  /** Appointments starting today, in time order. */
  today: Booking[];
  /** Bookings made today, newest first. */
  bookedToday: Booking[];
  load: LoadState;
  replay: LiveEvent[] | null;
  loadToday(): Promise<void>;
  applyEvents(events: readonly LiveEvent[], day: ClinicDay | null): void;
  update(id: string, patch: BookingPatch): Promise<IpcResult<Booking>>;
  reset(): void;
}

const byStart = (a: Booking, b: Booking) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id);
const newestFirst = (a: Booking, b: Booking) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);

function localDay(): ClinicDay {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { date: dayInTimeZone(new Date().toISOString(), timeZone), timeZone };
}

/** Puts `booking` where it belongs in `list` (or takes it out), ignoring versions older than the one held. */
function upsert(list: Booking[], booking: Booking, belongs: boolean, order: (a: Booking, b: Booking) => number): Booking[] {
  const existing = list.find((b) => b.id === booking.id);
  if (existing && existing.updatedAt > booking.updatedAt) return list;
  if (!belongs) return existing ? list.filter((b) => b.id !== booking.id) : list;
  return [...list.filter((b) => b.id !== booking.id), booking].sort(order);
}

export interface BookingLists {
  today: Booking[];
  bookedToday: Booking[];
}

/** Folds booking events into both lists; a booking moved to another day leaves "appointments today". */
export function applyBookingEvents(lists: BookingLists, events: readonly LiveEvent[], day: ClinicDay | null): BookingLists {
  const clinicDay = day ?? localDay();
  let { today, bookedToday } = lists;
  for (const event of events) {
    if (event.kind !== 'booking.created' && event.kind !== 'booking.updated') continue;
    const { booking } = event.data;
    const startsToday = dayInTimeZone(booking.startsAt, clinicDay.timeZone) === clinicDay.date;
    const madeToday = dayInTimeZone(booking.createdAt, clinicDay.timeZone) === clinicDay.date;
    today = upsert(today, booking, startsToday, byStart);
    bookedToday = upsert(bookedToday, booking, madeToday, newestFirst);
  }
  return today === lists.today && bookedToday === lists.bookedToday ? lists : { today, bookedToday };
}

export function createBookingsStore(bridge: VoxanneBridge, clinicDay: () => ClinicDay | null) {
  return createStore<BookingsStore>()((set, get) => ({
    today: [],
    bookedToday: [],
    load: IDLE,
    replay: null,
    async loadToday() {
      set({ load: LOADING, replay: [] });
      const day = clinicDay() ?? localDay();
      const [appointments, ahead] = await Promise.all([
        settle(bridge.bookings.list({})),
        settle(bridge.bookings.list({ from: day.date, to: addDays(day.date, BOOKED_TODAY_HORIZON_DAYS) })),
      ]);
      if (!appointments.ok) return set({ load: failed(appointments.error), replay: null });
      if (!ahead.ok) return set({ load: failed(ahead.error), replay: null });
      const loaded: BookingLists = {
        today: [...appointments.data.items].sort(byStart),
        bookedToday: ahead.data.items.filter((b) => dayInTimeZone(b.createdAt, day.timeZone) === day.date).sort(newestFirst),
      };
      set({ ...applyBookingEvents(loaded, get().replay ?? [], clinicDay()), load: READY, replay: null });
    },
    applyEvents(events, day) {
      if (!events.some((e) => e.kind === 'booking.created' || e.kind === 'booking.updated')) return;
      const { today, bookedToday, replay } = get();
      set({ ...applyBookingEvents({ today, bookedToday }, events, day), replay: replay ? [...replay, ...events] : null });
    },
    async update(id, patch) {
      const result = await settle(bridge.bookings.update({ id, patch }));
      if (result.ok) {
        const booking = result.data;
        const replace = (list: Booking[]) => list.map((b) => (b.id === id && b.updatedAt <= booking.updatedAt ? booking : b));
        set({ today: replace(get().today), bookedToday: replace(get().bookedToday) });
      }
      return result;
    },
    reset() {
      set({ today: [], bookedToday: [], load: IDLE, replay: null });
    },
  }));
}
export type BookingsStoreApi = ReturnType<typeof createBookingsStore>;

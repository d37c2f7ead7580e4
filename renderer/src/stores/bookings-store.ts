// Today's bookings, in time order, kept current by `booking.created` / `booking.updated` (R-B10).
import { createStore } from 'zustand/vanilla';
import type { Booking, BookingPatch, IpcResult, LiveEvent, VoxanneBridge } from '@voxanne/protocol';
import { settle } from '../bridge';
import { type LoadState, IDLE, LOADING, READY, failed } from './load-state';
import { dayInTimeZone } from '../format/time';

/** Which calendar day counts as "today", in the clinic's time zone (from the dashboard stats). */
export interface ClinicDay {
  date: string;
  timeZone: string;
}

export interface BookingsStore {
  today: Booking[];
  load: LoadState;
  replay: LiveEvent[] | null;
  loadToday(): Promise<void>;
  applyEvents(events: readonly LiveEvent[], day: ClinicDay | null): void;
  update(id: string, patch: BookingPatch): Promise<IpcResult<Booking>>;
  reset(): void;
}

const byStart = (a: Booking, b: Booking) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id);

/** Folds booking events into today's list; a booking moved to another day leaves it. */
export function applyBookingEvents(today: Booking[], events: readonly LiveEvent[], day: ClinicDay | null): Booking[] {
  let next = today;
  for (const event of events) {
    if (event.kind !== 'booking.created' && event.kind !== 'booking.updated') continue;
    const { booking } = event.data;
    const isToday = day
      ? dayInTimeZone(booking.startsAt, day.timeZone) === day.date
      : new Date(booking.startsAt).toDateString() === new Date().toDateString();
    const existing = next.find((b) => b.id === booking.id);
    if (existing && existing.updatedAt > booking.updatedAt) continue;
    const others = next.filter((b) => b.id !== booking.id);
    next = isToday ? [...others, booking].sort(byStart) : existing ? others : next;
  }
  return next;
}

export function createBookingsStore(bridge: VoxanneBridge, clinicDay: () => ClinicDay | null) {
  return createStore<BookingsStore>()((set, get) => ({
    today: [],
    load: IDLE,
    replay: null,
    async loadToday() {
      set({ load: LOADING, replay: [] });
      const result = await settle(bridge.bookings.list({}));
      if (!result.ok) {
        set({ load: failed(result.error), replay: null });
        return;
      }
      const loaded = [...result.data.items].sort(byStart);
      set({ today: applyBookingEvents(loaded, get().replay ?? [], clinicDay()), load: READY, replay: null });
    },
    applyEvents(events, day) {
      const { today, replay } = get();
      const next = applyBookingEvents(today, events, day);
      const hasBookings = events.some((e) => e.kind === 'booking.created' || e.kind === 'booking.updated');
      if (!hasBookings) return;
      set({ today: next, replay: replay ? [...replay, ...events] : null });
    },
    async update(id, patch) {
      const result = await settle(bridge.bookings.update({ id, patch }));
      if (result.ok) {
        const booking = result.data;
        set({ today: get().today.map((b) => (b.id === id && b.updatedAt <= booking.updatedAt ? booking : b)) });
      }
      return result;
    },
    reset() {
      set({ today: [], load: IDLE, replay: null });
    },
  }));
}
export type BookingsStoreApi = ReturnType<typeof createBookingsStore>;

import { describe, expect, it } from 'vitest';
import { applyBookingEvents, type BookingLists } from './bookings-store';
import { at, event, makeBooking } from '../../test/factories';

const day = { date: '2026-03-02', timeZone: 'America/New_York' };
const none: BookingLists = { today: [], bookedToday: [] };

describe('applyBookingEvents', () => {
  it('lists a booking made today under "booked today", newest first, whatever day it is for', () => {
    const first = makeBooking({ createdAt: at('14:00'), startsAt: at('15:00', '2026-03-09'), endsAt: at('15:30', '2026-03-09') });
    const second = makeBooking({ createdAt: at('15:00'), startsAt: at('16:00', '2026-03-04'), endsAt: at('16:30', '2026-03-04') });
    const lists = applyBookingEvents(
      none,
      [event('booking.created', { booking: first }), event('booking.created', { booking: second })],
      day,
    );
    expect(lists.bookedToday.map((b) => b.id)).toEqual([second.id, first.id]);
    expect(lists.today).toEqual([]);
  });

  it("lists today's appointments in time order", () => {
    const late = makeBooking({ startsAt: at('20:00'), endsAt: at('20:30'), createdAt: at('10:00', '2026-02-20') });
    const early = makeBooking({ startsAt: at('14:00'), endsAt: at('14:30'), createdAt: at('10:00', '2026-02-21') });
    const lists = applyBookingEvents({ today: [late], bookedToday: [] }, [event('booking.created', { booking: early })], day);
    expect(lists.today.map((b) => b.id)).toEqual([early.id, late.id]);
  });

  it('decides "today" in the clinic\'s time zone, not UTC', () => {
    // 03:00 UTC on 3 March is still 2 March in New York.
    const evening = makeBooking({
      startsAt: '2026-03-03T03:00:00.000Z',
      endsAt: '2026-03-03T03:30:00.000Z',
      createdAt: '2026-03-03T02:00:00.000Z',
    });
    const lists = applyBookingEvents(none, [event('booking.created', { booking: evening })], day);
    expect(lists.today).toHaveLength(1);
    expect(lists.bookedToday).toHaveLength(1);
    const tomorrow = makeBooking({
      startsAt: '2026-03-03T15:00:00.000Z',
      endsAt: '2026-03-03T15:30:00.000Z',
      createdAt: '2026-03-03T14:00:00.000Z',
    });
    expect(applyBookingEvents(none, [event('booking.created', { booking: tomorrow })], day)).toEqual(none);
  });

  it("takes a booking rescheduled to another day out of today's appointments and ignores an older version", () => {
    const booking = makeBooking({ startsAt: at('15:00'), createdAt: at('09:00', '2026-02-20'), updatedAt: at('10:00') });
    const moved = { ...booking, startsAt: at('15:00', '2026-03-09'), endsAt: at('15:30', '2026-03-09'), updatedAt: at('11:00') };
    expect(applyBookingEvents({ today: [booking], bookedToday: [] }, [event('booking.updated', { booking: moved })], day).today).toEqual(
      [],
    );
    const stale = { ...booking, status: 'cancelled' as const, updatedAt: at('09:00') };
    expect(applyBookingEvents({ today: [booking], bookedToday: [] }, [event('booking.updated', { booking: stale })], day).today).toEqual([
      booking,
    ]);
  });

  it('returns the same lists for a batch without bookings', () => {
    const lists = { today: [makeBooking()], bookedToday: [] };
    expect(applyBookingEvents(lists, [], day)).toBe(lists);
  });
});

import { describe, expect, it } from 'vitest';
import { applyBookingEvents } from './bookings-store';
import { at, event, makeBooking } from '../../test/factories';

const today = { date: '2026-03-02', timeZone: 'America/New_York' };

describe('applyBookingEvents (R-B10)', () => {
  it('adds a booking for today in time order', () => {
    const late = makeBooking({ startsAt: at('20:00'), endsAt: at('20:30') });
    const early = makeBooking({ startsAt: at('14:00'), endsAt: at('14:30') });
    const next = applyBookingEvents([late], [event('booking.created', { booking: early })], today);
    expect(next.map((b) => b.id)).toEqual([early.id, late.id]);
  });

  it('decides "today" in the clinic\'s time zone, not UTC', () => {
    // 03:00 UTC on 3 March is still 2 March in New York.
    const evening = makeBooking({ startsAt: '2026-03-03T03:00:00.000Z', endsAt: '2026-03-03T03:30:00.000Z' });
    expect(applyBookingEvents([], [event('booking.created', { booking: evening })], today)).toHaveLength(1);
    const tomorrow = makeBooking({ startsAt: '2026-03-03T15:00:00.000Z', endsAt: '2026-03-03T15:30:00.000Z' });
    expect(applyBookingEvents([], [event('booking.created', { booking: tomorrow })], today)).toHaveLength(0);
  });

  it('removes a booking rescheduled to another day and ignores an older version', () => {
    const booking = makeBooking({ startsAt: at('15:00'), updatedAt: at('10:00') });
    const moved = { ...booking, startsAt: at('15:00', '2026-03-09'), endsAt: at('15:30', '2026-03-09'), updatedAt: at('11:00') };
    expect(applyBookingEvents([booking], [event('booking.updated', { booking: moved })], today)).toEqual([]);
    const stale = { ...booking, status: 'cancelled' as const, updatedAt: at('09:00') };
    expect(applyBookingEvents([booking], [event('booking.updated', { booking: stale })], today)).toEqual([booking]);
  });
});

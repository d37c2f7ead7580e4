// GET /api/bookings (appointments on a range of the clinic's days) and PATCH /api/bookings/:id
// (confirm, cancel, reschedule; a taken slot answers 409 booking_conflict).
import { Router } from 'express';
import { BookingListQuerySchema, BookingPatchSchema, type Booking, type BookingListResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import { principalOf } from '../auth/middleware.js';
import { parseBody, parseIdParam, parseQuery } from '../http/validate.js';
import { listBookingsOnDays, updateBooking } from './booking-service.js';

export function bookingRoutes(deps: { db: Db; bus: LiveEventBus }): Router {
  const router = Router();
  router.get('/bookings', async (req, res) => {
    const query = parseQuery(BookingListQuerySchema, req);
    const body: BookingListResponse = { items: await listBookingsOnDays(deps.db, principalOf(req).clinicId, query) };
    res.json(body);
  });
  router.patch('/bookings/:id', async (req, res) => {
    const bookingId = parseIdParam(req, 'Booking');
    const change = parseBody(BookingPatchSchema, req);
    const clinicId = principalOf(req).clinicId;
    const booking = await transactionWithEvents(deps.db, deps.bus, (tx, events) =>
      updateBooking(tx, events, { clinicId, bookingId, change }),
    );
    const body: { booking: Booking } = { booking };
    res.json(body);
  });
  return router;
}

// Dashboard figures for the clinic's "today" (in the clinic's time zone).
import { z } from 'zod';
import { IsoDateSchema, text } from './common.js';

export const DashboardStatsSchema = z.object({
  date: IsoDateSchema,
  timeZone: text(),
  callsToday: z.number().int().nonnegative(),
  answered: z.number().int().nonnegative(),
  missed: z.number().int().nonnegative(),
  inProgress: z.number().int().nonnegative(),
  bookingsToday: z.number().int().nonnegative(),
  /** Mean duration of today's ended calls; null before the first one ends. */
  averageDurationSeconds: z.number().nonnegative().nullable(),
  /** Share of today's answered calls that produced a booking, 0..1; null with no answered call. */
  bookingRate: z.number().min(0).max(1).nullable(),
});
export type DashboardStats = z.infer<typeof DashboardStatsSchema>;

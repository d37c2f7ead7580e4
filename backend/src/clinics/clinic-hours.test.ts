import { describe, expect, it } from 'vitest';
import type { AgentPersonality } from '@voxanne/protocol';
import { freeSlots, toInstant, toLocal, weekdayOf, withinHours } from './clinic-hours.js';

const hours = { open: '09:00', close: '11:00' };
const personality = {
  timeZone: 'Europe/London',
  appointmentMinutes: 30,
  hours: { monday: [hours], tuesday: [hours], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] },
} as unknown as AgentPersonality;

describe('clinic wall-clock time', () => {
  it('turns London wall-clock times into the right instants either side of the clock change', () => {
    expect(toInstant({ date: '2030-01-14', time: '09:00' }, 'Europe/London').toISOString()).toBe('2030-01-14T09:00:00.000Z');
    expect(toInstant({ date: '2030-07-15', time: '09:00' }, 'Europe/London').toISOString()).toBe('2030-07-15T08:00:00.000Z');
    expect(toInstant({ date: '2030-03-31', time: '09:00' }, 'Europe/London').toISOString()).toBe('2030-03-31T08:00:00.000Z');
    expect(toInstant({ date: '2030-07-15', time: '09:00' }, 'America/New_York').toISOString()).toBe('2030-07-15T13:00:00.000Z');
  });

  it('reads an instant back as the clinic’s local date, time and weekday', () => {
    expect(toLocal(new Date('2030-07-15T23:30:00Z'), 'Europe/London')).toEqual({ date: '2030-07-16', time: '00:30', weekday: 'tuesday' });
    expect(weekdayOf('2030-07-15')).toBe('monday');
  });

  it('offers the day’s slots inside opening hours, without booked or past ones', () => {
    const taken = [
      {
        startsAt: toInstant({ date: '2030-07-15', time: '09:30' }, 'Europe/London'),
        endsAt: toInstant({ date: '2030-07-15', time: '10:00' }, 'Europe/London'),
      },
    ];
    const now = new Date('2030-07-01T00:00:00Z');
    expect(freeSlots(personality, '2030-07-15', taken, now).map((s) => s.time)).toEqual(['09:00', '10:00', '10:30']);
    expect(freeSlots(personality, '2030-07-17', [], now)).toEqual([]);
    expect(
      freeSlots(personality, '2030-07-15', [], toInstant({ date: '2030-07-15', time: '10:15' }, 'Europe/London')).map((s) => s.time),
    ).toEqual(['10:30']);
  });

  it('only accepts appointments that fit inside an opening interval', () => {
    expect(withinHours(personality, '2030-07-15', '10:30', 30)).toBe(true);
    expect(withinHours(personality, '2030-07-15', '10:45', 30)).toBe(false);
    expect(withinHours(personality, '2030-07-17', '09:00', 30)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { E164Schema, PhoneInputSchema, maskPhoneNumber, normalizePhoneNumber } from './phone.js';

describe('phone numbers', () => {
  it('normalises a formatted international number to E.164', () => {
    expect(normalizePhoneNumber('+44 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalizePhoneNumber(' +1 (415) 555-2671 ')).toEqual({ ok: true, e164: '+14155552671' });
  });

  it('asks for the country code instead of guessing one', () => {
    const result = normalizePhoneNumber('020 7946 0958');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/country code/);
  });

  it('accepts a national number when the caller names the country', () => {
    expect(normalizePhoneNumber('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it('refuses letters, empty input and impossible numbers with a readable message', () => {
    for (const bad of ['', '+44 20 CALL ME', '+1 555', '+999 1234567']) {
      const result = normalizePhoneNumber(bad);
      expect(result.ok, bad).toBe(false);
      expect(!result.ok && result.message.length).toBeGreaterThan(5);
    }
  });

  it('E164Schema accepts only the canonical form', () => {
    expect(E164Schema.safeParse('+442079460958').success).toBe(true);
    expect(E164Schema.safeParse('+44 20 7946 0958').success).toBe(false);
  });

  it('PhoneInputSchema turns typed input into E.164', () => {
    expect(PhoneInputSchema.parse('+44 (0)20 7946 0958'.replace('(0)', ''))).toBe('+442079460958');
    expect(PhoneInputSchema.safeParse('12345').success).toBe(false);
  });

  it('masks numbers for logs, keeping country code and last two digits', () => {
    expect(maskPhoneNumber('+442079460958')).toBe('+44••••••••58');
    expect(maskPhoneNumber(null)).toBe('unknown');
  });
});

import fc from 'fast-check';
import { parsePhoneNumberFromString as parseWithMaxMetadata } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  CountryCodeSchema,
  E164Schema,
  PhoneInputSchema,
  countryAllowed,
  maskPhoneNumber,
  normalizePhoneNumber,
  numberFactsFrom,
  reachProblem,
  sortPhoneNumber,
} from './phone.js';

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

  it('accepts real UK and US ranges: mobiles, geographic, non-geographic, toll-free, fictional 555-01xx', () => {
    for (const number of [
      '+447400123456',
      '+447500123456',
      '+447700100123',
      '+447800123456',
      '+447911123456',
      '+447977123456',
      '+442071234567',
      '+442081234567',
      '+441611234567',
      '+441211234567',
      '+441412345678',
      '+442890123456',
      '+443301234567',
      '+448001234567',
      '+12125550123',
      '+13105550100',
      '+14155552671',
      '+13125550199',
      '+18005550100',
      '+18885550100',
    ]) {
      expect(normalizePhoneNumber(number), number).toEqual({ ok: true, e164: number });
    }
  });

  it('accepts Ofcom’s TV and radio drama ranges, including those libphonenumber leaves out', () => {
    for (const number of ['+447700900000', '+447700900123', '+447700900999', '+441632960000', '+441632960999', '+441154960123']) {
      expect(parseWithMaxMetadata(number)?.isValid(), `${number}: no metadata set accepts it`).toBe(false);
      expect(normalizePhoneNumber(number), number).toEqual({ ok: true, e164: number });
    }
    for (const number of ['+442079460123', '+441614960555', '+441214960999', '+441134960000', '+442920180123']) {
      expect(normalizePhoneNumber(number), number).toEqual({ ok: true, e164: number });
    }
    // Just outside the ranges is judged by the metadata as usual.
    expect(normalizePhoneNumber('+447700901000').ok).toBe(false);
    expect(normalizePhoneNumber('+44770090012').ok).toBe(false);
  });

  it('accepts every UK and US number the full metadata accepts (the min metadata is not stricter)', () => {
    const uk = fc.stringMatching(/^\+447\d{9}$|^\+44[12]\d{8,9}$/);
    const us = fc.stringMatching(/^\+1[2-9]\d{2}[2-9]\d{6}$/);
    fc.assert(
      fc.property(fc.oneof(uk, us), (number) => {
        if (parseWithMaxMetadata(number)?.isValid()) expect(normalizePhoneNumber(number).ok, number).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts a number into valid E.164, or keeps what was given (compacted) for a person to check', () => {
    expect(sortPhoneNumber('+447700900123')).toEqual({ valid: '+447700900123', raw: null });
    expect(sortPhoneNumber(' +1 (555) 123-4567 ')).toEqual({ valid: null, raw: '+15551234567' });
    expect(sortPhoneNumber('15551234567')).toEqual({ valid: null, raw: '15551234567' });
    expect(sortPhoneNumber('ext 42 please')).toEqual({ valid: null, raw: 'ext 42 please' });
    expect(sortPhoneNumber('+'.concat('9'.repeat(60))).raw).toHaveLength(40);
    for (const none of [null, undefined, '', 'anonymous', '  ']) expect(sortPhoneNumber(none)).toEqual({ valid: null, raw: null });
  });

  it('masks numbers for logs, keeping country code and last two digits', () => {
    expect(maskPhoneNumber('+442079460958')).toBe('+44••••••••58');
    expect(maskPhoneNumber(null)).toBe('unknown');
  });

  it('allows ringing and texting ordinary numbers in the clinic’s countries only', () => {
    const gb = ['GB'];
    expect(reachProblem({ e164: '+442079460958', country: 'GB', kind: 'FIXED_LINE' }, gb, { strict: true })).toBeUndefined();
    expect(reachProblem({ e164: '+447797123456', country: 'JE', kind: 'MOBILE' }, gb, { strict: true })).toBeUndefined();
    expect(reachProblem({ e164: '+12015550123', country: 'US', kind: 'FIXED_LINE_OR_MOBILE' }, gb, { strict: true })).toMatch(
      /a number in United States; this clinic only calls and texts numbers in United Kingdom/,
    );
    expect(reachProblem({ e164: '+19005550100', country: 'US', kind: 'PREMIUM_RATE' }, ['US'], { strict: true })).toMatch(
      /^\+1 900 555 0100 is a premium-rate number/,
    );
    // A kind the metadata at hand cannot tell: the server refuses it, the console leaves it to the server.
    const unknown = { e164: '+33612345678', country: 'FR', kind: undefined };
    expect(reachProblem(unknown, ['FR'], { strict: true })).toMatch(/could not be recognised/);
    expect(reachProblem(unknown, ['FR'], { strict: false })).toBeUndefined();
    // An empty list (the console does not know the clinic's own country) checks the kind only.
    expect(reachProblem({ e164: '+12015550123', country: 'US', kind: 'FIXED_LINE_OR_MOBILE' }, [], { strict: false })).toBeUndefined();
  });

  it('knows what the small metadata can tell: premium +1 900 yes, a French mobile’s kind no', () => {
    expect(numberFactsFrom('+19005550100')).toEqual({ e164: '+19005550100', country: 'US', kind: 'PREMIUM_RATE' });
    expect(numberFactsFrom('+33612345678')).toMatchObject({ country: 'FR', kind: undefined });
  });

  it('treats the Crown Dependencies as the UK’s numbering plan, and nothing else as another country', () => {
    expect(countryAllowed('GG', ['GB'])).toBe(true);
    expect(countryAllowed('IE', ['GB'])).toBe(false);
    expect(countryAllowed('GB', ['GG'])).toBe(false);
    expect(countryAllowed(undefined, ['GB'])).toBe(false);
  });

  it('takes countries as two-letter codes with phone numbers', () => {
    expect(CountryCodeSchema.safeParse('GB').success).toBe(true);
    for (const bad of ['gb', 'GBR', 'XX', '']) expect(CountryCodeSchema.safeParse(bad).success, bad).toBe(false);
  });
});

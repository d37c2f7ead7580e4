import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnValid, MASKS, redact } from './redact.js';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A Luhn-valid number of `length` digits: random digits and the check digit that completes them. */
const luhnNumber = fc.integer({ min: 13, max: 19 }).chain((length) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 }).map((body) => {
    const partial = body.join('');
    for (let check = 0; check <= 9; check++) if (luhnValid(partial + check)) return partial + check;
    throw new Error('no check digit');
  }),
);

/** How a caller might say it and speech-to-text write it down. */
const spoken = (digits: string) =>
  fc.array(fc.constantFrom('word', 'digit', 'group'), { minLength: 1, maxLength: 1 }).chain(([style]) =>
    fc.constantFrom(' ', ', ', ' - ').map((sep) => {
      if (style === 'word') return [...digits].map((d) => WORDS[Number(d)]).join(sep);
      if (style === 'group') return digits.match(/.{1,4}/g)!.join(' ');
      return [...digits].map((d, i) => (i % 2 ? WORDS[Number(d)] : d)).join(sep);
    }),
  );

describe('redact', () => {
  it('masks every Luhn-valid card number, written or spoken, and leaves none of its digits', () => {
    fc.assert(
      fc.property(
        luhnNumber.chain((digits) => spoken(digits).map((said) => ({ digits, said }))),
        fc.constantFrom('My card is ', 'It is ', ''),
        ({ digits, said }, lead) => {
          const out = redact(`${lead}${said} and the expiry is next year.`);
          expect(out).toContain(MASKS.card);
          expect(out.replace(/\D/g, '')).not.toContain(digits.slice(-4));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves numbers that are not cards: phone numbers, times, Luhn-invalid runs', () => {
    expect(redact('Call me on 07700 900123 at 10 30.')).toBe('Call me on 07700 900123 at 10 30.');
    expect(redact('four one one one one one one one one one one one one one one two')).not.toContain(MASKS.card);
    expect(redact('I have one appointment at two.')).toBe('I have one appointment at two.');
  });

  it('masks "double" and "triple" in spoken numbers', () => {
    // 4111 1111 1111 1111 said with doubles.
    expect(redact('four one one one double one one one one one one one one one one one')).toBe(MASKS.card);
  });

  it('masks dates of birth in numeric and spoken forms', () => {
    for (const said of ['01/05/1960', '1960-05-01', '1 May 1960', '1st of May, 1960', 'May 1, 1960', 'the 3rd of December 1985']) {
      expect(redact(`My date of birth is ${said}.`), said).toBe(`My date of birth is ${MASKS.date}.`);
    }
    expect(redact('Can I come on the 5th of May?')).toBe('Can I come on the 5th of May?');
  });

  it('masks email addresses, written and spoken', () => {
    expect(redact('It is jane.doe+clinic@example.co.uk, thanks')).toBe(`It is ${MASKS.email}, thanks`);
    expect(redact('jane dot doe at example dot com')).toBe(MASKS.email);
  });

  it('changes nothing else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z ,.?!']{0,80}$/), (text) => {
        fc.pre(!/\b(at|dot)\b/i.test(text));
        expect(redact(text)).toBe(text);
      }),
    );
  });
});

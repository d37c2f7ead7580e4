// Masks what a clinic that stores transcripts redacted must not keep: payment card numbers (a
// Luhn-valid 13-19 digit run, written as digits or spoken as digit words: "four one one one ..."),
// dates of birth (full dates with a year, numeric or with a month name) and email addresses (written
// or spoken: "jane dot doe at example dot com"). Speech-to-text writes numbers either way, often
// mixed ("4111 one one one ..."), so a card is found on the digits of a run of number tokens.
const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  nought: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

export const MASKS = { card: '[card number]', date: '[date]', email: '[email]' } as const;

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// A number token: a group of digits, a digit word, or "double"/"triple" before one ("double four").
const NUMBER_TOKEN = /(?:\d+|zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)/i;
const RUN = new RegExp(`\\b${NUMBER_TOKEN.source}(?:[\\s,.-]+${NUMBER_TOKEN.source})*\\b`, 'gi');

function digitsOf(run: string): string {
  let digits = '';
  let repeat = 1;
  for (const token of run.toLowerCase().split(/[\s,.-]+/)) {
    if (token === 'double' || token === 'triple') {
      repeat = token === 'double' ? 2 : 3;
      continue;
    }
    const d = /^\d+$/.test(token) ? token : (DIGIT_WORDS[token] ?? '');
    digits += d.repeat(d.length === 1 ? repeat : 1);
    repeat = 1;
  }
  return digits;
}

function maskCards(text: string): string {
  return text.replace(RUN, (run) => {
    const digits = digitsOf(run);
    // A single "o" or "one" is a word, not a number: only runs with enough digits can be cards.
    if (digits.length < 13 || digits.length > 19) return run;
    return luhnValid(digits) ? MASKS.card : run;
  });
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY = '(?:[0-3]?\\d)(?:st|nd|rd|th)?';
const YEAR = '(?:19|20)\\d\\d';
const DATES = [
  // 01/05/1960, 1-5-60 is too ambiguous (times, versions): a four-digit year is required.
  new RegExp(`\\b[0-3]?\\d[/.-][0-3]?\\d[/.-]${YEAR}\\b`, 'gi'),
  new RegExp(`\\b${YEAR}-[01]?\\d-[0-3]?\\d\\b`, 'gi'),
  // 1 May 1960, 1st of May, 1960
  new RegExp(`\\b(?:the\\s+)?${DAY}\\s+(?:of\\s+)?${MONTH}\\.?,?\\s+${YEAR}\\b`, 'gi'),
  // May 1, 1960 / May 1st 1960
  new RegExp(`\\b${MONTH}\\.?\\s+(?:the\\s+)?${DAY},?\\s+${YEAR}\\b`, 'gi'),
];

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b/g;
const SPOKEN_EMAIL =
  /\b[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:com|org|net|edu|gov|io|co|uk|ie|de|fr|au|ca|nz)\b(?:\s+dot\s+[a-z]{2,3}\b)?/gi;

/** The text with card numbers, full dates and email addresses masked. */
export function redact(text: string): string {
  let out = text.replace(EMAIL, MASKS.email).replace(SPOKEN_EMAIL, MASKS.email);
  for (const pattern of DATES) out = out.replace(pattern, MASKS.date);
  return maskCards(out);
}

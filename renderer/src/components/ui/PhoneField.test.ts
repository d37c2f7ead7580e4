import { describe, expect, it } from 'vitest';
import { formatAsYouType } from './PhoneField';

describe('formatAsYouType', () => {
  it('groups an international number as it grows', () => {
    expect(formatAsYouType('+4420')).toBe('+44 20');
    expect(formatAsYouType('+442079460958')).toBe('+44 20 7946 0958');
    expect(formatAsYouType('+14155552671')).toBe('+1 415 555 2671');
  });

  it('leaves input without digits alone so deleting works', () => {
    expect(formatAsYouType('+')).toBe('+');
    expect(formatAsYouType('')).toBe('');
  });
});

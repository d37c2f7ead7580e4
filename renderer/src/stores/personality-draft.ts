// Validation of the personality form against the protocol schema, with errors keyed by field, and
// the normalisations the form does itself: the transfer number as typed → E.164, and the countries
// as typed ("gb, ie,") → codes.
import { AgentPersonalitySchema, normalizePhoneNumber, type AgentPersonality } from '@voxanne/protocol';

export type FieldErrors = Record<string, string>;

export type DraftCheck = { ok: true; personality: AgentPersonality } | { ok: false; errors: FieldErrors };

/** `hours.monday.0.close` style keys, as the form names its fields. */
export function checkPersonality(draft: AgentPersonality): DraftCheck {
  const errors: FieldErrors = {};
  let transferNumber = draft.transferNumber;
  if (transferNumber !== null) {
    const parsed = normalizePhoneNumber(transferNumber);
    if (parsed.ok) transferNumber = parsed.e164;
    else errors.transferNumber = parsed.message;
  }
  const result = AgentPersonalitySchema.safeParse({ ...draft, transferNumber, allowedCountries: countryCodes(draft.allowedCountries) });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      errors[key] ??= friendlyMessage(issue);
    }
  }
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, personality: result.data };
}

/** Whether two personalities say the same thing (a number typed with spaces equals its E.164). */
export function samePersonality(a: AgentPersonality, b: AgentPersonality): boolean {
  const canonical = (p: AgentPersonality) => {
    const parsed = p.transferNumber === null ? null : normalizePhoneNumber(p.transferNumber);
    return JSON.stringify({
      ...p,
      transferNumber: parsed?.ok ? parsed.e164 : p.transferNumber,
      allowedCountries: countryCodes(p.allowedCountries),
    });
  };
  return canonical(a) === canonical(b);
}

/** The countries field as typed: upper case, without the empty entries a trailing comma leaves. */
export function countryCodes(typed: readonly string[]): string[] {
  return typed.map((c) => c.trim().toUpperCase()).filter((c) => c !== '');
}

/** "gb, ie" as typed in the countries field → the draft's list (kept as typed, so editing is not fought). */
export function countriesFromText(text: string): string[] {
  return text.split(',').map((c) => c.trimStart());
}

/** The schema's messages are written for developers; the form speaks to the front desk. */
type SchemaIssue = NonNullable<ReturnType<typeof AgentPersonalitySchema.safeParse>['error']>['issues'][number];

function friendlyMessage(issue: SchemaIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'string' ? 'This cannot be empty.' : `Use at least ${String(issue.minimum)}.`;
    case 'too_big':
      return issue.origin === 'string'
        ? `Keep this to ${String(issue.maximum)} characters or fewer.`
        : `Use at most ${String(issue.maximum)}.`;
    case 'invalid_type':
      return 'Fill this in.';
    case 'not_multiple_of':
    case 'invalid_format':
    case 'custom':
    default:
      return issue.message;
  }
}

// What both ingestion paths share (call-ingestion.ts, the general path, and live-transcript.ts, the
// one-statement path for lines of a live call): the webhook receipt that makes a replay a no-op, and
// how a vendor's time becomes a Date. Kept apart so neither path imports the other.

/** An exact delivery of a webhook, recorded in the writing transaction so a replay changes nothing. */
export interface Receipt {
  key: string;
  type: string;
}

// A vendor's time outside these years is garbage, not a call: it is treated as absent. (JavaScript
// dates reach further back than PostgreSQL's, so without this a year like -4714 failed the insert.)
const EARLIEST_PLAUSIBLE = Date.UTC(2000, 0, 1);
const LATEST_PLAUSIBLE = Date.UTC(2100, 0, 1);

function plausible(d: Date): Date | undefined {
  const t = d.getTime();
  return t >= EARLIEST_PLAUSIBLE && t < LATEST_PLAUSIBLE ? d : undefined;
}

/** An ISO-8601 time from the vendor, if it is a plausible one. */
export function toDate(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  return plausible(new Date(value));
}

/** Milliseconds since the epoch from the vendor, if they make a plausible time. */
export function fromMillis(value: number | null | undefined): Date | undefined {
  if (value === null || value === undefined || !Number.isFinite(value)) return undefined;
  return plausible(new Date(value));
}

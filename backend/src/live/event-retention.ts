// Retention of the live event log: an event is deleted only when it is BOTH older than the retention
// age (≥ 24 h) AND outside its clinic's newest N events (≥ 50k), so a console can always resume
// across a day of downtime and across a very busy hour. A resume older than what is kept gets
// `resync-required` (console-socket.ts).
//
// Cheap on purpose: only clinics whose counter is past N are visited, each through its
// (clinic_id, seq) index, in small batches so no statement holds many row locks. Every instance may
// run it; concurrent runs delete disjoint or already-deleted rows and simply find less to do.
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';

export interface RetentionPolicy {
  /** Events newer than this are kept. */
  minAgeMs: number;
  /** Each clinic's newest this-many events are kept. */
  minEventsPerClinic: number;
}

const BATCH_SIZE = 5_000;

/** Deletes what the policy allows; returns how many events were deleted. */
export async function pruneEventLog(db: Db, policy: RetentionPolicy, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - policy.minAgeMs);
  const clinics = await db
    .selectFrom('clinic_event_counters')
    .select(['clinic_id', 'last_seq'])
    .where('last_seq', '>', policy.minEventsPerClinic)
    .execute();
  let deleted = 0;
  for (const clinic of clinics) {
    const newestPrunable = clinic.last_seq - policy.minEventsPerClinic;
    for (;;) {
      const batch = db
        .selectFrom('events')
        .select('id')
        .where('clinic_id', '=', clinic.clinic_id)
        .where('seq', '<=', newestPrunable)
        .where('at', '<', cutoff)
        .orderBy('seq')
        .limit(BATCH_SIZE);
      const result = await db.deleteFrom('events').where('id', 'in', batch).executeTakeFirst();
      const count = Number(result.numDeletedRows);
      deleted += count;
      if (count < BATCH_SIZE) break;
    }
  }
  return deleted;
}

export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    minAgeMs: config.live.retention.minAgeHours * 3_600_000,
    minEventsPerClinic: config.live.retention.minEventsPerClinic,
  };
}

/** Runs the pruning on a schedule (the first run a random fraction of an interval after start). */
export class EventRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly policy: RetentionPolicy,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    // Jitter: instances started together do not all prune at the same moment.
    this.schedule(Math.round(this.intervalMs * (0.1 + Math.random() * 0.9)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = pruneEventLog(this.db, this.policy)
        .then((deleted) => {
          if (deleted > 0) this.logger.info({ deleted }, 'pruned the live event log');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'pruning the live event log failed; retried next interval'))
        .finally(() => {
          this.running = null;
          if (this.timer) this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}

// Deletes what clinics no longer keep: transcripts, recording links, summaries and analyses after the
// clinic's transcript period; the call records themselves after its call period. The audit log is
// never touched here (kept at least six years; its chain has no gaps by design).
//
// One instance at a time (a lease in job_leases, which works the same on the embedded database and a
// server). Work goes in small batches, each its own short statement or transaction, so webhook
// ingestion writing the same tables never waits long behind it (bench/retention.ts measures that).
// Deleted calls are announced on the live stream so open consoles drop them.
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { DEFAULT_CLINIC_SETTINGS } from './clinic-settings.js';

const DAY_MS = 86_400_000;
const LEASE = 'data-retention';

export interface RetentionDeps {
  db: Db;
  bus: LiveEventBus;
  logger: Logger;
  audit: AuditAppender;
  now?: () => Date;
  /** Rows per statement: transcript lines and purged calls; deleted calls take a fifth of it. */
  batchSize?: number;
  /** How long one run may hold the lease before another instance may take over. */
  leaseMs?: number;
}

export interface RetentionCounts {
  transcriptSegments: number;
  recordings: number;
  calls: number;
}

export interface RetentionReport extends RetentionCounts {
  clinics: number;
}

export class RetentionJob {
  private readonly holder = randomUUID();
  private readonly now: () => Date;
  private readonly batch: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? (() => new Date());
    this.batch = deps.batchSize ?? 2_000;
  }

  /** One pass over every clinic; `busy` when another instance holds the lease. */
  async runOnce(): Promise<RetentionReport | 'busy'> {
    if (!(await this.acquire())) return 'busy';
    try {
      const clinics = await this.deps.db
        .selectFrom('clinics')
        .leftJoin('clinic_settings', 'clinic_settings.clinic_id', 'clinics.id')
        .select(['clinics.id', 'clinic_settings.transcript_retention_days', 'clinic_settings.call_retention_days'])
        .execute();
      const report: RetentionReport = { clinics: clinics.length, transcriptSegments: 0, recordings: 0, calls: 0 };
      for (const clinic of clinics) {
        const counts = await this.purgeClinic(
          clinic.id,
          clinic.transcript_retention_days ?? DEFAULT_CLINIC_SETTINGS.transcriptRetentionDays,
          clinic.call_retention_days ?? DEFAULT_CLINIC_SETTINGS.callRetentionDays,
        );
        report.transcriptSegments += counts.transcriptSegments;
        report.recordings += counts.recordings;
        report.calls += counts.calls;
        if (counts.transcriptSegments + counts.recordings + counts.calls > 0) {
          this.deps.logger.info({ clinicId: clinic.id, ...counts }, 'retention: deleted expired data');
          await this.deps.audit({
            clinicId: clinic.id,
            actor: null,
            origin: { instanceId: null, address: null },
            action: 'retention.purged',
            details: { ...counts },
          });
        }
      }
      return report;
    } finally {
      await this.release();
    }
  }

  private async purgeClinic(clinicId: string, transcriptDays: number, callDays: number): Promise<RetentionCounts> {
    const { db } = this.deps;
    const now = this.now().getTime();
    const transcriptCutoff = new Date(now - transcriptDays * DAY_MS);
    const callCutoff = new Date(now - callDays * DAY_MS);
    const counts: RetentionCounts = { transcriptSegments: 0, recordings: 0, calls: 0 };

    // Expired calls first: their transcripts go with them (cascade), so nothing is purged twice.
    const callBatch = Math.max(1, Math.floor(this.batch / 5));
    for (;;) {
      const deleted = await transactionWithEvents(db, this.deps.bus, async (tx, events) => {
        const rows = await tx
          .deleteFrom('calls')
          .where('id', 'in', (eb) =>
            eb.selectFrom('calls').select('id').where('clinic_id', '=', clinicId).where('created_at', '<', callCutoff).limit(callBatch),
          )
          .returning('id')
          .execute();
        if (rows.length) events.emit(clinicId, { kind: 'calls.deleted', data: { callIds: rows.map((r) => r.id), reason: 'retention' } });
        return rows.length;
      });
      counts.calls += deleted;
      if (deleted < callBatch) break;
      await this.pause();
    }
    for (;;) {
      const result = await db
        .deleteFrom('transcript_segments')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('transcript_segments')
            .select('id')
            .where('clinic_id', '=', clinicId)
            .where('at', '<', transcriptCutoff)
            .limit(this.batch),
        )
        .executeTakeFirst();
      const n = Number(result.numDeletedRows);
      counts.transcriptSegments += n;
      if (n < this.batch) break;
      await this.pause();
    }

    for (;;) {
      const result = await db
        .updateTable('calls')
        .set({ recording_url: null, summary: null, analysis: null })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('calls')
            .select('id')
            .where('clinic_id', '=', clinicId)
            .where('created_at', '<', transcriptCutoff)
            .where(sql<boolean>`(recording_url is not null or summary is not null or analysis is not null)`)
            .limit(this.batch),
        )
        .executeTakeFirst();
      const n = Number(result.numUpdatedRows);
      counts.recordings += n;
      if (n < this.batch) break;
      await this.pause();
    }

    return counts;
  }

  /** Lets queued work (webhooks) run between batches, above all on the one-connection embedded database. */
  private async pause(): Promise<void> {
    await yieldToOthers();
  }

  private async acquire(): Promise<boolean> {
    const now = this.now();
    const expires = new Date(now.getTime() + (this.deps.leaseMs ?? 15 * 60_000));
    const result = await sql<{ holder: string }>`
      insert into job_leases (name, holder, expires_at) values (${LEASE}, ${this.holder}, ${expires})
      on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where job_leases.expires_at < ${now} or job_leases.holder = excluded.holder
      returning holder`.execute(this.deps.db);
    return result.rows[0]?.holder === this.holder;
  }

  private async release(): Promise<void> {
    await this.deps.db.deleteFrom('job_leases').where('name', '=', LEASE).where('holder', '=', this.holder).execute();
  }

  /** Runs on a schedule, the first run a random fraction of an interval after start. */
  start(intervalMs: number): void {
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce()
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'retention run failed; retried next interval'))
          .finally(() => {
            this.running = null;
            if (this.timer) schedule(intervalMs);
          });
      }, delayMs);
      this.timer.unref();
    };
    schedule(Math.round(intervalMs * (0.1 + Math.random() * 0.9)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

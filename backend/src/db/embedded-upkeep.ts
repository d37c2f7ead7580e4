// Upkeep for the embedded database. A Postgres server's autovacuum keeps planner statistics fresh and
// reclaims the dead rows that updates leave behind (a call changes status several times); PGlite runs
// Postgres in single-user mode, where autovacuum never runs. Without it the planner keeps its
// empty-table estimates: the call history's first page sorted every call of the clinic (124 ms on
// 5,000 calls) instead of walking its index (0.5 ms), and dead rows grew the data files for ever.
//
// `VACUUM (ANALYZE)` at start-up and then periodically stands in: vacuum skips pages the visibility
// map knows are clean, and analyze samples a bounded number of rows, so a run is short; it holds the
// single embedded connection while it runs, which is why it is not run more often.
import { sql } from 'kysely';
import type { Logger } from '../logging/logger.js';
import type { Db } from './database.js';

export const EMBEDDED_UPKEEP_INTERVAL_MS = 10 * 60_000;

export interface EmbeddedUpkeep {
  /** One vacuum + analyze of the whole database now. */
  runNow(): Promise<void>;
  stop(): void;
}

export function startEmbeddedUpkeep(db: Db, logger: Logger, intervalMs = EMBEDDED_UPKEEP_INTERVAL_MS): EmbeddedUpkeep {
  let running: Promise<void> | undefined;
  const runNow = () =>
    (running ??= (async () => {
      const started = performance.now();
      try {
        await sql`vacuum (analyze)`.execute(db);
        logger.debug({ ms: Math.round(performance.now() - started) }, 'embedded database vacuumed and analyzed');
      } catch (error) {
        logger.warn({ err: error }, 'embedded database upkeep failed (retried next time)');
      } finally {
        running = undefined;
      }
    })());
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return {
    runNow,
    stop: () => clearInterval(timer),
  };
}

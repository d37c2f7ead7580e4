// CPU time from /proc (Linux): what a process, or the local PostgreSQL server, spent while a bench
// phase ran. CPU per unit of work is the figure a busy shared machine does not inflate the way it
// inflates latency and throughput.
import fs from 'node:fs';

/** CPU time `pid` has used so far, in ms (utime + stime, in clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** PostgreSQL's own processes that serve every database (WAL, checkpoints, buffer writes). */
const SHARED_POSTGRES_PROCESSES = /postgres: .*(checkpointer|background writer|walwriter|autovacuum launcher)/;

/**
 * CPU time of the local PostgreSQL server's processes, in ms. With `database`, only the connections to
 * that database (their titles name it, as do its autovacuum workers) and the processes every database
 * shares, so that other work on the same server (a test suite, another bench) is not counted; the
 * connections must stay open while measured (a pool under load keeps them), as an exited one takes its
 * CPU time with it. Without it, every process named `postgres`, with its exited children.
 * Meaningful only when the server is local.
 */
export function postgresCpuMs(database?: string): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      if (database === undefined) {
        total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
        continue;
      }
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (title.includes(` ${database} `) || SHARED_POSTGRES_PROCESSES.test(title)) total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

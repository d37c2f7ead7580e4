// CPU time from /proc (Linux): what a process, or the local PostgreSQL server, spent while a bench
// phase ran. CPU per unit of work is the figure a busy shared machine does not inflate the way it
// inflates latency and throughput.
import fs from 'node:fs';

/** CPU time `pid` has used so far, in ms (utime + stime, in clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time of every process named `postgres` on this machine, in ms, including that of its exited
 * children (connection backends come and go). Meaningful only when the server is local.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

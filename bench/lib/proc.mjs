/** What a benchmark reads of another process on Linux: resident memory and open file descriptors. */
import { readdirSync, readFileSync } from "node:fs";

/** Resident set size of `pid` in MiB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** Number of file descriptors `pid` has open (entries of /proc/<pid>/fd). */
export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU time `pid` has used so far, user + system, in seconds (/proc/<pid>/stat, at 100 ticks/s). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

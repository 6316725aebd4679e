import { existsSync, readdirSync, readFileSync } from "node:fs";

/** `/proc/<pid>/stat` fields after the command name: state, ppid, pgrp… (undefined: no such process). */
export function procStat(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * True while a process with this pid runs. A dead process whose parent is gone may linger as a
 * zombie until the system's reaper collects it (a container's pid 1 may never): that is not running.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(pid);
  return stat !== undefined && stat[0] !== "Z";
}

function pids(): string[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name));
}

function describe(pid: string, stat: string[]): string {
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    // Gone meanwhile.
  }
  return `${pid} ${stat[0]} ${command}`;
}

/** Running (non-zombie) members of a process group, as "pid state command" for the failure message. */
export function groupMembers(pgid: number): string[] {
  return pids().flatMap((pid) => {
    const stat = procStat(pid);
    if (!stat || Number(stat[2]) !== pgid || stat[0] === "Z") return [];
    return [describe(pid, stat)];
  });
}

/**
 * Running processes whose environment has this exact `NAME=value` entry, as "pid state command".
 * A sandbox's HOME is inherited by everything a test starts in it (wrapper, claude, hooks, status
 * lines) whatever its process group: none may outlive the test's wrapper.
 */
export function processesWithEnv(entry: string): string[] {
  return pids().flatMap((pid) => {
    if (Number(pid) === process.pid) return [];
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      return [];
    }
    if (!environ.split("\0").includes(entry)) return [];
    const stat = procStat(pid);
    return stat && stat[0] !== "Z" ? [describe(pid, stat)] : [];
  });
}

/** The pid a test's command wrote to `file` (`echo $! > file`), once it is whole; else null. */
export function recordedPid(file: string): number | null {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const pid = Number(text.trim());
  return text.endsWith("\n") && Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** Kills what a failed or timed-out test may have left running. */
export function killLeftover(file: string): void {
  const pid = recordedPid(file);
  if (pid !== null && alive(pid)) process.kill(pid, "SIGKILL");
}

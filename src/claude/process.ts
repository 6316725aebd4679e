/**
 * Facts about a running `claude` we did not start (SPEC §8 `monitor`): its working directory,
 * when it started, whether it is still alive, and which running processes are Claude Code.
 * Linux reads /proc (no process spawned); macOS asks `lsof` and `ps`. Every source is
 * injectable so the parsing is tested without a real process table.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";

export interface ProcessFacts {
  pid: number;
  /** The process's current working directory (Claude Code's project directory). */
  cwd: string;
  /** Epoch ms the process started (second precision on macOS, clock-tick precision on Linux). */
  startedAt: number;
  /**
   * Where its Claude Code keeps its files, from its own environment when we may read it (Linux,
   * same user): `CLAUDE_CONFIG_DIR` and `HOME`. Undefined when unknown (then ours are assumed).
   */
  env?: { CLAUDE_CONFIG_DIR?: string; HOME?: string };
}

/** What the Linux reader needs from /proc: the three calls, replaceable by a table in tests. */
export interface ProcFs {
  readFile(path: string): string;
  readlink(path: string): string;
  readdir(path: string): string[];
}

export const realProcFs: ProcFs = {
  readFile: (path) => readFileSync(path, "utf8"),
  readlink: (path) => readlinkSync(path),
  readdir: (path) => readdirSync(path),
};

/** `getconf CLK_TCK`: 100 on every Linux Node runs on; not worth a process spawn to ask. */
export const LINUX_CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  /** Field 3: R, S, D, Z (zombie: it has exited, its parent has not reaped it yet), … */
  state: string;
  /** Field 22: start time in clock ticks after boot. */
  startTicks: number;
}

/**
 * Parses `/proc/<pid>/stat`. `comm` (field 2) is in parentheses and may itself hold spaces and
 * parentheses, so the fields after it are counted from the *last* `)`.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state), so field 22 is rest[19].
  const state = rest[0];
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !state || !Number.isFinite(startTicks)) return null;
  return { pid, comm: text.slice(open + 1, close), state, startTicks };
}

/** The `btime` line of `/proc/stat`: boot time in epoch seconds. */
export function parseBootTime(text: string): number | null {
  const match = /^btime\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : null;
}

export function startTimeMs(
  bootSeconds: number,
  startTicks: number,
  ticksPerSecond = LINUX_CLOCK_TICKS,
): number {
  return Math.round((bootSeconds + startTicks / ticksPerSecond) * 1000);
}

/** Linux: the facts of a live process from /proc; null when it does not exist (or is a zombie). */
export function linuxProcessFacts(pid: number, fs: ProcFs = realProcFs): ProcessFacts | null {
  try {
    const stat = parseProcStat(fs.readFile(`/proc/${pid}/stat`));
    const boot = parseBootTime(fs.readFile("/proc/stat"));
    if (!stat || stat.state === "Z" || boot === null) return null;
    const cwd = fs.readlink(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, "");
    const facts: ProcessFacts = { pid, cwd, startedAt: startTimeMs(boot, stat.startTicks) };
    const env = readEnviron(pid, fs);
    if (env) facts.env = env;
    return facts;
  } catch {
    return null;
  }
}

/** The variables that place Claude Code's files, from `/proc/<pid>/environ`; null if unreadable. */
export function readEnviron(pid: number, fs: ProcFs = realProcFs): ProcessFacts["env"] | null {
  let text: string;
  try {
    text = fs.readFile(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
  return parseEnviron(text);
}

export function parseEnviron(text: string): NonNullable<ProcessFacts["env"]> {
  const env: NonNullable<ProcessFacts["env"]> = {};
  for (const entry of text.split("\0")) {
    const equals = entry.indexOf("=");
    const name = entry.slice(0, equals);
    if (equals > 0 && (name === "CLAUDE_CONFIG_DIR" || name === "HOME")) env[name] = entry.slice(equals + 1);
  }
  return env;
}

/** Linux: the start instant of a live, non-zombie process, or null when it is gone. */
export function linuxStartTime(pid: number, fs: ProcFs = realProcFs): number | null {
  try {
    const stat = parseProcStat(fs.readFile(`/proc/${pid}/stat`));
    const boot = parseBootTime(fs.readFile("/proc/stat"));
    if (!stat || stat.state === "Z" || boot === null) return null;
    return startTimeMs(boot, stat.startTicks);
  } catch {
    return null;
  }
}

/** `execFile` reduced to what the macOS reader needs; a fake in tests. */
export type RunCommand = (file: string, args: string[]) => Promise<string>;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { encoding: "utf8", timeout: 10_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });

/** `lsof -a -p PID -d cwd -Fn`: field lines `p<pid>`, `f<fd>`, `n<path>`. */
export function parseLsofCwd(output: string): string | null {
  for (const line of output.split("\n")) {
    if (line.startsWith("n") && line.length > 1) return line.slice(1);
  }
  return null;
}

/** `ps -o lstart= -p PID`, e.g. `Tue Nov 24 04:26:31 2026`, in local time. */
export function parseLstart(output: string): number | null {
  const match = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/.exec(output);
  if (!match) return null;
  const month = MONTHS.indexOf(match[1]!.toLowerCase());
  if (month < 0) return null;
  const [day, hour, minute, second, year] = match.slice(2).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(year, month, day, hour, minute, second).getTime();
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** macOS (and other Unixes with lsof and ps): the facts of a live process, or null. */
export async function lsofProcessFacts(
  pid: number,
  run: RunCommand = runCommand,
): Promise<ProcessFacts | null> {
  try {
    const started = parseLstart(await run("ps", ["-o", "lstart=", "-p", String(pid)]));
    const cwd = parseLsofCwd(await run("lsof", ["-a", "-p", String(pid), "-d", "cwd", "-Fn"]));
    if (started === null || cwd === null) return null;
    return { pid, cwd, startedAt: started };
  } catch {
    return null;
  }
}

export interface ProcessTable {
  /** The facts of a live process, or null when there is none with that pid. */
  facts(pid: number): Promise<ProcessFacts | null>;
  /**
   * Whether the process that had these facts is still running: the pid exists, is not a
   * zombie, and was started at the same instant (a reused pid is another process).
   */
  alive(process: ProcessFacts): Promise<boolean>;
  /** The pids of running Claude Code processes. */
  claudePids(): Promise<number[]>;
}

/** Whether an argv is Claude Code: `claude`, `claude.exe`, or node running its `cli.js`. */
export function isClaudeCommand(argv: string[]): boolean {
  const [first, second] = argv;
  if (first === undefined) return false;
  const name = basename(first);
  if (name === "claude" || name === "claude.exe") return true;
  if (/^node(\.exe|js)?$/.test(name) || name === "bun") {
    return second !== undefined && /[/\\]@anthropic-ai[/\\]claude-code[/\\]cli\.(c?js|mjs)$/.test(second);
  }
  return false;
}

/** Linux: scans `/proc/<pid>/cmdline` (NUL-separated argv). */
export function linuxClaudePids(fs: ProcFs = realProcFs, self = process.pid): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdir("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === self) continue;
    try {
      const argv = fs.readFile(`/proc/${pid}/cmdline`).split("\0");
      if (argv.at(-1) === "") argv.pop();
      if (isClaudeCommand(argv)) pids.push(pid);
    } catch {
      // Gone while scanning, or not ours to read.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** `ps -axo pid=,args=`: one process a line, the pid then its command line. */
export function parsePsArgs(output: string, self = process.pid): number[] {
  const pids: number[] = [];
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    // Arguments are space-separated here; a path with spaces in it is split, which only loses it.
    if (pid !== self && isClaudeCommand(match[2]!.trim().split(/\s+/))) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function linuxProcessTable(fs: ProcFs = realProcFs): ProcessTable {
  return {
    facts: async (pid) => linuxProcessFacts(pid, fs),
    alive: async (known) => linuxStartTime(known.pid, fs) === known.startedAt,
    claudePids: async () => linuxClaudePids(fs),
  };
}

export function lsofProcessTable(run: RunCommand = runCommand): ProcessTable {
  return {
    facts: (pid) => lsofProcessFacts(pid, run),
    alive: async (known) => {
      if (!pidExists(known.pid)) return false;
      try {
        const started = parseLstart(await run("ps", ["-o", "lstart=", "-p", String(known.pid)]));
        // lstart has second precision; a zombie or a reused pid shows another time (or none).
        return started === null ? false : Math.abs(started - known.startedAt) < 1000;
      } catch {
        return false;
      }
    },
    claudePids: async () => {
      try {
        return parsePsArgs(await run("ps", ["-axo", "pid=,args="]));
      } catch {
        return [];
      }
    },
  };
}

/** The process table of this platform: /proc on Linux, lsof and ps elsewhere (macOS). */
export function systemProcessTable(platform: NodeJS.Platform = process.platform): ProcessTable {
  return platform === "linux" ? linuxProcessTable() : lsofProcessTable();
}

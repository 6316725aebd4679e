/**
 * Facts about a running `claude` we did not start (SPEC §8 `monitor`): its working directory,
 * when it started, whether it is still alive, and which running processes are Claude Code.
 * Linux reads /proc (no process spawned); macOS (and other Unixes without /proc) asks `lsof` and
 * `ps`; Windows has no table (docs/platforms.md). The platform is chosen in one place,
 * {@link systemProcessTable}; every source is injectable, and the output of `ps` and `lsof` is
 * parsed by pure functions, so all of it is tested on Linux with fakes.
 */

import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { FallbackError } from "../errors.js";
import { pidExists } from "../platform/pid.js";

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

/** `ps -axww` lists every process with its whole command line: far more than one screen. */
const MAX_COMMAND_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * Runs `ps` / `lsof` without a shell. `LC_ALL=C` makes their output one known form: `lstart` is
 * `strftime("%c")` in the user's locale otherwise (`Di 24 Nov …` in German), and lsof then
 * escapes every non-ASCII byte of a file name as `\xNN`, which {@link decodeLsofName} undoes.
 * A program that is not installed is an error of its own (FallbackError), not "no process".
 */
export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        encoding: "utf8",
        timeout: 10_000,
        maxBuffer: MAX_COMMAND_OUTPUT_BYTES,
        env: { ...process.env, LC_ALL: "C" },
      },
      (error, stdout) => {
        if (!error) resolve(stdout);
        else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(
            new FallbackError(`monitor needs \`${file}\` to look at other processes; it is not on PATH`),
          );
        } else reject(error);
      },
    );
  });

/** A failed `ps` / `lsof` is an answer ("no such process"); a missing one is thrown on. */
function rethrowMissingProgram(error: unknown): void {
  if (error instanceof FallbackError) throw error;
}

const LSOF_ESCAPES: Record<string, number> = { b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, "\\": 0x5c };

/**
 * A file name as lsof prints it, back to the name. lsof shows a backslash as `\\` (older ones:
 * `\x5c`), \b \f \n \r \t as such, and every other byte `isprint()` rejects in the C locale as
 * `\xNN` — so a backslash always starts an escape, and the bytes are UTF-8 again. Other control
 * characters come out as `^A`…`^_`, which a name can also hold literally: those stay as printed.
 */
export function decodeLsofName(text: string): string {
  if (!text.includes("\\")) return text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; ) {
    if (text[i] === "\\") {
      const simple = LSOF_ESCAPES[text[i + 1] ?? ""];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      const hex = /^x([0-9a-fA-F]{2})/.exec(text.slice(i + 1, i + 4));
      if (hex) {
        bytes.push(Number.parseInt(hex[1]!, 16));
        i += 4;
        continue;
      }
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    bytes.push(...encoder.encode(char));
    i += char.length;
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** `lsof -a -p PID -d cwd -Fn`: field lines `p<pid>`, `f<fd>`, `n<path>` (lsof-escaped). */
export function parseLsofCwd(output: string): string | null {
  for (const line of output.split("\n")) {
    if (line.startsWith("n") && line.length > 1) return decodeLsofName(line.slice(1));
  }
  return null;
}

/** `ps -o lstart= -p PID` under `LC_ALL=C`, e.g. `Tue Nov 24 04:26:31 2026`, in local time. */
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

function psStartArgs(pid: number): string[] {
  return ["-ww", "-o", "stat=,lstart=", "-p", String(pid)];
}

/**
 * `ps -ww -o stat=,lstart= -p PID`: the state flags (`Ss+`, `R`, `Z` for a zombie…), then the start
 * instant. Null when the process is gone, a zombie, or the line is not of this form.
 */
export function parsePsStart(output: string): number | null {
  const line = output.split("\n").find((l) => l.trim() !== "");
  const match = /^\s*(\S+)\s+(.*)$/.exec(line ?? "");
  if (!match || match[1]!.startsWith("Z")) return null;
  return parseLstart(match[2]!);
}

/**
 * macOS (and other Unixes with lsof and ps): the facts of a live process, or null. Its
 * environment is not read (`ps -E` prints it space-joined, which no path with a space survives):
 * `CLAUDE_CONFIG_DIR` / `HOME` are assumed to be the monitor's own.
 */
export async function lsofProcessFacts(
  pid: number,
  run: RunCommand = runCommand,
): Promise<ProcessFacts | null> {
  try {
    const started = parsePsStart(await run("ps", psStartArgs(pid)));
    if (started === null) return null;
    const cwd = parseLsofCwd(await run("lsof", ["-a", "-p", String(pid), "-d", "cwd", "-Fn"]));
    if (cwd === null) return null;
    return { pid, cwd, startedAt: started };
  } catch (error) {
    rethrowMissingProgram(error);
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

/**
 * `ps -axww -o pid=,args=`: one process a line, the pid then its command line (`-ww`: unlimited
 * width; with its output piped, BSD ps cuts lines at 79 columns, which loses a long node path).
 */
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
        const started = parsePsStart(await run("ps", psStartArgs(known.pid)));
        // lstart has second precision; a reused pid shows another time, a zombie none.
        return started === null ? false : Math.abs(started - known.startedAt) < 1000;
      } catch (error) {
        rethrowMissingProgram(error);
        return false;
      }
    },
    claudePids: async () => {
      try {
        return parsePsArgs(await run("ps", ["-axww", "-o", "pid=,args="]));
      } catch (error) {
        rethrowMissingProgram(error);
        return [];
      }
    },
  };
}

/**
 * Windows: no table. `monitor --session ID` needs none; `--pid` and `--all` say so (exit 1).
 * Listing processes and reading another process's working directory there is not built.
 */
export function unsupportedProcessTable(platform: NodeJS.Platform): ProcessTable {
  const refuse = (): never => {
    throw new FallbackError(
      `monitor cannot look at other processes on ${platform} (Linux and macOS only); use monitor --session ID`,
    );
  };
  return { facts: async () => refuse(), alive: async () => refuse(), claudePids: async () => refuse() };
}

export interface ProcessTableSources {
  /** Linux: /proc. */
  procFs?: ProcFs;
  /** Elsewhere: how `ps` and `lsof` are run. */
  run?: RunCommand;
}

/**
 * The process table of this platform: /proc on Linux, lsof and ps on macOS and the BSDs, none on
 * Windows. The one place the platform is chosen; tests pass `"darwin"` and fake sources.
 */
export function systemProcessTable(
  platform: NodeJS.Platform = process.platform,
  sources: ProcessTableSources = {},
): ProcessTable {
  if (platform === "linux") return linuxProcessTable(sources.procFs);
  if (platform === "win32") return unsupportedProcessTable(platform);
  return lsofProcessTable(sources.run);
}

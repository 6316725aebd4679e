/**
 * `monitor` on the platforms this machine is not: the real Monitor over the process table that
 * `systemProcessTable` picks for macOS (ps and lsof, answered here by a fake runner in the output
 * formats documented in docs/platforms.md) and for Windows (none: only `--session` works).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { claudeProjectsDir } from "../../test/support/claude-home.js";
import { systemProcessTable } from "../claude/process.js";
import { projectSlug } from "../claude/transcripts/find.js";
import { FallbackError } from "../errors.js";
import { Monitor, type MonitorTarget } from "./monitor.js";

// Vitest runs unit tests with TZ=UTC: ps prints local time, so lstart below is UTC.
const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);
const LSTART_T0 = "Tue Nov 24 03:00:00 2026";
/**
 * A real pid other than ours (ps listings leave the monitor itself out), so `kill -0` finds it;
 * everything else about it comes from the fake ps and lsof.
 */
const PID = process.ppid;
const CWD = "/Users/me/café proj";
const LIMIT = "You've hit your 5-hour limit · resets 4:30am (UTC)";

let root: string;
let env: Record<string, string>;
let out: string[];
let info: string[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cf-monitor-platforms-"));
  env = { CLAUDE_CONFIG_DIR: join(root, "cfg") };
  out = [];
  info = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** ps and lsof as the monitor asks them, answered from a table that the test changes. */
function fakeMac(answers: Record<string, string>) {
  const calls: string[] = [];
  const run = async (file: string, args: string[]) => {
    const line = [file, ...args].join(" ");
    calls.push(line);
    const answer = answers[line];
    // ps -p / lsof -p of a pid that is gone: no output, exit status 1.
    if (answer === undefined) throw Object.assign(new Error(`${file} exited 1`), { code: 1 });
    return answer;
  };
  return { run, calls, answers };
}

const psStart = `ps -ww -o stat=,lstart= -p ${PID}`;
const lsofCwd = `lsof -a -p ${PID} -d cwd -Fn`;
const psClaude = "ps -axww -o pid=,args=";

function monitor(target: MonitorTarget, table: ReturnType<typeof systemProcessTable>): Monitor {
  return new Monitor({
    target,
    env,
    table,
    zone: "UTC",
    now: () => T0 + 60_000,
    watchFiles: false,
    out: (line) => out.push(line),
    info: (line) => info.push(line),
  });
}

function writeLimit(sessionId: string, cwd: string, at = T0 + 2000): void {
  const dir = join(claudeProjectsDir(env), projectSlug(cwd));
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, `${sessionId}.jsonl`),
    `${JSON.stringify({
      type: "assistant",
      sessionId,
      cwd,
      timestamp: new Date(at).toISOString(),
      isApiErrorMessage: true,
      error: "rate_limit",
      message: { model: "<synthetic>", role: "assistant", content: [{ type: "text", text: LIMIT }] },
    })}\n`,
  );
}

describe("monitor on macOS (ps and lsof)", () => {
  test("--pid: the cwd from lsof finds the transcript; the end of the process from ps ends the watch", async () => {
    const mac = fakeMac({
      [psStart]: `Ss+  ${LSTART_T0}\n`,
      // lsof in the C locale: the é of the directory as bytes.
      [lsofCwd]: `p${PID}\nfcwd\nn/Users/me/caf\\xc3\\xa9 proj\n`,
      // --pid is refused for a process that is not Claude Code.
      [psClaude]: `${String(PID).padStart(5)} /Users/me/.local/bin/claude\n`,
    });
    const m = monitor({ kind: "pid", pid: PID }, systemProcessTable("darwin", { run: mac.run }));
    expect(await m.start()).toBe(true);
    expect(info).toEqual([`watching claude pid ${PID} in ${CWD}`]);

    writeLimit("sess-mac", CWD);
    expect(await m.tick()).toBe(false);
    expect(out).toEqual([
      `5-hour limit reached in session sess-mac (${CWD}): resets at 04:30 — continue on API billing: claude-fallback resume sess-mac --api`,
    ]);

    // The pid now belongs to a later process (another start time): ours has exited.
    mac.answers[psStart] = "S    Tue Nov 24 05:00:00 2026\n";
    expect(await m.tick()).toBe(true);
    expect(info.at(-1)).toBe(`claude pid ${PID} exited`);
    expect(new Set(mac.calls)).toEqual(new Set([psStart, lsofCwd, psClaude]));
  });

  test("--all: claude processes from one ps listing, each looked at once", async () => {
    const mac = fakeMac({
      [psClaude]: `    1 /sbin/launchd\n${String(PID).padStart(5)} /Users/me/.local/bin/claude --resume x\n`,
      [psStart]: `S+   ${LSTART_T0}\n`,
      [lsofCwd]: `p${PID}\nfcwd\nn/Users/me/proj\n`,
    });
    const m = monitor({ kind: "all" }, systemProcessTable("darwin", { run: mac.run }));
    await m.start();
    writeLimit("sess-all", "/Users/me/proj");
    await m.tick();
    await m.tick();
    expect(info).toContain(`watching claude pid ${PID} in /Users/me/proj`);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("claude-fallback resume sess-all --api");
    expect(mac.calls.filter((call) => call === lsofCwd)).toHaveLength(1);
  });
});

describe("monitor on Windows (no process table)", () => {
  test("--pid is refused with what works instead", async () => {
    const m = monitor({ kind: "pid", pid: 4242 }, systemProcessTable("win32"));
    await expect(m.run()).rejects.toThrow(
      new FallbackError(
        "monitor cannot look at other processes on win32 (Linux and macOS only); use monitor --session ID",
      ),
    );
  });

  test("--session needs no table", async () => {
    const m = monitor({ kind: "session", sessionId: "sess-win" }, systemProcessTable("win32"));
    expect(await m.start()).toBe(true);
    // Records from before the monitor started are history: this one comes after.
    writeLimit("sess-win", "C:\\Users\\me\\proj", T0 + 61_000);
    expect(await m.tick()).toBe(false);
    expect(out).toEqual([
      "5-hour limit reached in session sess-win (C:\\Users\\me\\proj): resets at 04:30 — continue on API billing: claude-fallback resume sess-win --api",
    ]);
  });
});

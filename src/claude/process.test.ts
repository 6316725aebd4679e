import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, test } from "vitest";
import { FallbackError } from "../errors.js";
import { findOnPath } from "../notify/desktop.js";
import {
  decodeLsofName,
  isClaudeCommand,
  linuxClaudePids,
  linuxProcessFacts,
  linuxProcessTable,
  lsofProcessFacts,
  lsofProcessTable,
  type ProcFs,
  parseBootTime,
  parseEnviron,
  parseLsofCwd,
  parseLstart,
  parseProcStat,
  parsePsArgs,
  parsePsStart,
  type RunCommand,
  runCommand,
  startTimeMs,
  systemProcessTable,
} from "./process.js";

/** A /proc made of a table: files, links, directory listings. */
function fakeProc(files: Record<string, string>, links: Record<string, string> = {}): ProcFs {
  const missing = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return {
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw missing(path);
      return text;
    },
    readlink: (path) => {
      const target = links[path];
      if (target === undefined) throw missing(path);
      return target;
    },
    readdir: (path) => {
      if (path !== "/proc") throw missing(path);
      return [...new Set(Object.keys(files).map((file) => file.split("/")[2]!))];
    },
  };
}

/** A stat line: pid, (comm), then fields 3… with field 22 = ticks. */
function statLine(pid: number, comm: string, state: string, ticks: number): string {
  const fields = [state, ...Array.from({ length: 18 }, (_, i) => String(i + 1)), String(ticks), "0", "0"];
  return `${pid} (${comm}) ${fields.join(" ")}\n`;
}

const PROC_STAT = "cpu  1 2 3 4\nintr 5\nctxt 6\nbtime 1764000000\nprocesses 7\n";

describe("/proc parsing", () => {
  test.each([
    ["claude", "claude"],
    ["a b c", "with spaces"],
    ["x) (y", "with parentheses"],
    [") 1 2 3 (", "that looks like fields"],
  ])("stat with comm %j (%s)", (comm) => {
    expect(parseProcStat(statLine(4242, comm, "S", 123456))).toEqual({
      pid: 4242,
      comm,
      state: "S",
      startTicks: 123456,
    });
  });

  test.each(["", "garbage", "12 (claude S 1 2", "12 (claude) S 1 2 3"])("bad stat %j", (text) => {
    expect(parseProcStat(text)).toBeNull();
  });

  test("btime", () => {
    expect(parseBootTime(PROC_STAT)).toBe(1764000000);
    expect(parseBootTime("cpu 1 2\n")).toBeNull();
  });

  test("start time: boot + ticks / CLK_TCK", () => {
    expect(startTimeMs(1764000000, 12345)).toBe(1764000123450);
    expect(startTimeMs(1764000000, 12345, 1000)).toBe(1764000012345);
  });

  test("environ keeps only what places Claude Code's files", () => {
    expect(parseEnviron("PATH=/bin\0HOME=/home/u\0CLAUDE_CONFIG_DIR=/cfg=x\0EMPTY\0")).toEqual({
      HOME: "/home/u",
      CLAUDE_CONFIG_DIR: "/cfg=x",
    });
  });
});

describe("linux process facts", () => {
  const fs = fakeProc(
    {
      "/proc/stat": PROC_STAT,
      "/proc/100/stat": statLine(100, "claude", "S", 500),
      "/proc/100/environ": "HOME=/home/u\0",
      "/proc/101/stat": statLine(101, "claude", "Z", 600),
      "/proc/102/stat": statLine(102, "node", "R", 700),
    },
    { "/proc/100/cwd": "/work/my project", "/proc/101/cwd": "/x", "/proc/102/cwd": "/gone (deleted)" },
  );

  test("cwd, start time and environment of a live process", () => {
    expect(linuxProcessFacts(100, fs)).toEqual({
      pid: 100,
      cwd: "/work/my project",
      startedAt: 1764000005000,
      env: { HOME: "/home/u" },
    });
    expect(linuxProcessFacts(102, fs)).toEqual({ pid: 102, cwd: "/gone", startedAt: 1764000007000 });
  });

  test("a zombie or a missing pid has none", () => {
    expect(linuxProcessFacts(101, fs)).toBeNull();
    expect(linuxProcessFacts(999, fs)).toBeNull();
  });

  test("alive only while the same process (same start) runs", async () => {
    const table = linuxProcessTable(fs);
    expect(await table.alive({ pid: 100, cwd: "/", startedAt: 1764000005000 })).toBe(true);
    // The pid was reused by a later process.
    expect(await table.alive({ pid: 100, cwd: "/", startedAt: 1764000001000 })).toBe(false);
    expect(await table.alive({ pid: 101, cwd: "/", startedAt: 1764000006000 })).toBe(false);
    expect(await table.alive({ pid: 999, cwd: "/", startedAt: 1 })).toBe(false);
  });
});

describe("finding claude processes", () => {
  test.each([
    [["claude"], true],
    [["/usr/local/bin/claude", "--resume", "x"], true],
    [["/home/u/.npm/node_modules/@anthropic-ai/claude-code/bin/claude.exe"], true],
    [["node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js", "-p", "hi"], true],
    [["/usr/bin/node", "/x/@anthropic-ai/claude-code/cli.mjs"], true],
    [["node", "/work/claude-fallback/dist/bin/claude-fallback.js"], false],
    [["claude-fallback", "monitor"], false],
    [["vim", "claude"], false],
    [["node", "/x/other/cli.js"], false],
    [[], false],
  ])("%j → %s", (argv, expected) => {
    expect(isClaudeCommand(argv)).toBe(expected);
  });

  test("scans /proc/*/cmdline, skipping itself and processes that vanish", () => {
    const fs = fakeProc({
      "/proc/stat": PROC_STAT,
      "/proc/7/cmdline": "/usr/bin/claude\0--continue\0",
      "/proc/8/cmdline": "bash\0",
      "/proc/9/cmdline": "node\0/x/@anthropic-ai/claude-code/cli.js\0",
      "/proc/10/cmdline": "claude\0",
      "/proc/self/cmdline": "claude\0",
      "/proc/11/stat": "gone",
    });
    expect(linuxClaudePids(fs, 10)).toEqual([7, 9]);
  });

  test("ps -axww -o pid=,args=", () => {
    const output = [
      "    1 /sbin/launchd",
      "  501 /opt/homebrew/bin/claude --resume abc",
      "  502 node /Users/me/.nvm/versions/node/v22.11.0/lib/node_modules/@anthropic-ai/claude-code/cli.js -p hello world",
      "  503 claude",
      "  504 /Users/me/.local/bin/claude",
      "  505 /Applications/Visual Studio Code.app/Contents/MacOS/Electron --type=renderer claude",
      "  506 -zsh",
      "",
    ].join("\n");
    expect(parsePsArgs(output, 503)).toEqual([501, 502, 504]);
  });
});

/** `lsof -Fn`'s form of a file name, as lsof 4.9x prints it in the C locale (its `safestrprt`). */
function lsofEscape(name: string): string {
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const named = { 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 92: "\\\\" }[byte];
    if (named) out += named;
    else if (byte < 0x20) out += `^${String.fromCharCode(byte + 0x40)}`;
    else if (byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** Local wall-clock `ps -o lstart` text (LC_ALL=C) of an instant. */
function lstart(ms: number): string {
  const d = new Date(ms);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getMonth()
  ];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day} ${month} ${String(d.getDate()).padStart(2, " ")} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
}

/** A `ps` / `lsof` runner answering from a table keyed by the command line; records every call. */
function fakeRun(answers: Record<string, string | Error>): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const run = async (file: string, args: string[]) => {
    const line = [file, ...args].join(" ");
    calls.push(line);
    const answer = answers[line];
    if (answer === undefined) throw Object.assign(new Error(`${file} exited 1`), { code: 1 });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(run, { calls });
}

describe("macOS: lsof and ps output", () => {
  test.each([
    ["p123\nfcwd\nn/Users/me/my project\n", "/Users/me/my project"],
    // Captured from lsof 4.95 (LC_ALL=C) for a directory `my proj é\back<TAB>tab`.
    [
      "p4361\nn/tmp/tmp.GHuyFWTYCW/my proj \\xc3\\xa9\\\\back\\ttab\n",
      "/tmp/tmp.GHuyFWTYCW/my proj é\\back\ttab",
    ],
    ["p9\nfcwd\nn/Users/jos\\xc3\\xa9/\\xe2\\x98\\x83 x\n", "/Users/josé/☃ x"],
    ["p9\nfcwd\nn/old/lsof\\x5cbackslash\n", "/old/lsof\\backslash"],
    ["", null],
    ["p9\n", null],
  ])("lsof -Fn cwd %j", (output, cwd) => {
    expect(parseLsofCwd(output)).toBe(cwd);
  });

  test.each([
    ["plain/path", "plain/path"],
    ["a\\nb", "a\nb"],
    ["caret ^A stays", "caret ^A stays"],
    ["not an escape \\q", "not an escape \\q"],
    ["cut \\x4", "cut \\x4"],
    ["raw é (not the C locale)", "raw é (not the C locale)"],
    ["half a character \\xc3", "half a character \uFFFD"],
  ])("lsof name %j", (printed, name) => {
    expect(decodeLsofName(printed)).toBe(name);
  });

  test("every name lsof can print unambiguously comes back whole", () => {
    // Characters that exercise the escapes, among any others.
    const char = fc.oneof(
      fc.constantFrom("\\", "\b", "\f", "\n", "\r", "\t", "\x7f", "^", "x", "5", "é", "☃", "😀"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    );
    const name = fc
      .array(char, { maxLength: 30 })
      .map((chars) => chars.join(""))
      // ^A…^_ are ambiguous with a literal caret: lsof's form of those is not decoded.
      .filter((s) => !/[\x00-\x07\x0b\x0e-\x1f]/.test(s));
    fc.assert(
      fc.property(name, (s) => decodeLsofName(lsofEscape(s)) === s),
      { seed: 607, numRuns: 300 },
    );
  });

  test("ps lstart is local time", () => {
    expect(parseLstart("Tue Nov 24 04:26:31 2026\n")).toBe(new Date(2026, 10, 24, 4, 26, 31).getTime());
    expect(parseLstart("Mon Feb  2 09:05:00 2026")).toBe(new Date(2026, 1, 2, 9, 5, 0).getTime());
    expect(parseLstart("")).toBeNull();
    expect(parseLstart("Tue Foo 24 04:26:31 2026")).toBeNull();
    // What ps prints in a German locale: why ps runs under LC_ALL=C.
    expect(parseLstart("Di 24 Nov 04:26:31 2026")).toBeNull();
  });

  test.each([
    ["Ss   Tue Nov 24 04:26:31 2026\n", new Date(2026, 10, 24, 4, 26, 31).getTime()],
    ["S+   Mon Feb  2 09:05:00 2026", new Date(2026, 1, 2, 9, 5, 0).getTime()],
    ["R    Mon Feb  2 09:05:00 2026", new Date(2026, 1, 2, 9, 5, 0).getTime()],
    ["\nU+   Mon Feb  2 09:05:00 2026\n", new Date(2026, 1, 2, 9, 5, 0).getTime()],
    ["Z    Tue Nov 24 04:26:31 2026", null],
    ["Z+   Tue Nov 24 04:26:31 2026", null],
    ["", null],
    ["Ss", null],
  ])("ps -o stat=,lstart= %j", (output, expected) => {
    expect(parsePsStart(output)).toBe(expected);
  });
});

describe("macOS: the process table from lsof and ps", () => {
  const started = new Date(2026, 10, 24, 4, 26, 31).getTime();

  test("facts from ps then lsof, run with arguments as data", async () => {
    const run = fakeRun({
      "ps -ww -o stat=,lstart= -p 77": `Ss+  ${lstart(started)}\n`,
      "lsof -a -p 77 -d cwd -Fn": "p77\nfcwd\nn/Users/me/caf\\xc3\\xa9 proj\n",
    });
    expect(await lsofProcessFacts(77, run)).toEqual({
      pid: 77,
      cwd: "/Users/me/café proj",
      startedAt: started,
    });
    expect(run.calls).toEqual(["ps -ww -o stat=,lstart= -p 77", "lsof -a -p 77 -d cwd -Fn"]);
  });

  test("no such process, or a zombie: no facts, and lsof is not asked", async () => {
    const gone = fakeRun({});
    expect(await lsofProcessFacts(77, gone)).toBeNull();
    expect(gone.calls).toEqual(["ps -ww -o stat=,lstart= -p 77"]);
    const zombie = fakeRun({ "ps -ww -o stat=,lstart= -p 77": `Z    ${lstart(started)}\n` });
    expect(await lsofProcessFacts(77, zombie)).toBeNull();
    expect(zombie.calls).toHaveLength(1);
  });

  test("a missing ps or lsof is said, not taken for a missing process", async () => {
    const missing = new FallbackError("monitor needs `lsof` to look at other processes; it is not on PATH");
    const run = fakeRun({
      "ps -ww -o stat=,lstart= -p 77": `S ${lstart(started)}`,
      "lsof -a -p 77 -d cwd -Fn": missing,
    });
    await expect(lsofProcessFacts(77, run)).rejects.toBe(missing);
    await expect(lsofProcessTable(fakeRun({ "ps -axww -o pid=,args=": missing })).claudePids()).rejects.toBe(
      missing,
    );
  });

  test("alive: the same pid with the same start, not a zombie; a dead pid costs no ps", async () => {
    // process.pid exists, so `kill -0` passes and ps is asked.
    const pid = process.pid;
    const key = `ps -ww -o stat=,lstart= -p ${pid}`;
    const facts = { pid, cwd: "/", startedAt: started };
    expect(await lsofProcessTable(fakeRun({ [key]: `S    ${lstart(started)}` })).alive(facts)).toBe(true);
    expect(await lsofProcessTable(fakeRun({ [key]: `S    ${lstart(started + 5000)}` })).alive(facts)).toBe(
      false,
    );
    expect(await lsofProcessTable(fakeRun({ [key]: `Z    ${lstart(started)}` })).alive(facts)).toBe(false);
    expect(await lsofProcessTable(fakeRun({})).alive(facts)).toBe(false);
    const none = fakeRun({});
    expect(await lsofProcessTable(none).alive({ pid: 2 ** 22 + 12345, cwd: "/", startedAt: started })).toBe(
      false,
    );
    expect(none.calls).toEqual([]);
  });

  test("claude processes from one ps listing", async () => {
    const run = fakeRun({ "ps -axww -o pid=,args=": "  1 /sbin/launchd\n 88 /opt/homebrew/bin/claude\n" });
    expect(await lsofProcessTable(run).claudePids()).toEqual([88]);
  });
});

describe("choosing the table by platform", () => {
  test.each(["darwin", "freebsd", "openbsd"] as const)("%s: ps and lsof", async (platform) => {
    const run = fakeRun({ "ps -axww -o pid=,args=": " 88 claude\n" });
    expect(await systemProcessTable(platform, { run }).claudePids()).toEqual([88]);
    expect(run.calls).toEqual(["ps -axww -o pid=,args="]);
  });

  test("linux: /proc, no process started", async () => {
    const run = fakeRun({});
    const procFs = fakeProc({ "/proc/stat": PROC_STAT, "/proc/7/cmdline": "claude\0" });
    expect(await systemProcessTable("linux", { procFs, run }).claudePids()).toEqual([7]);
    expect(run.calls).toEqual([]);
  });

  test("win32: none, and --pid / --all say so", async () => {
    const table = systemProcessTable("win32");
    const message =
      "monitor cannot look at other processes on win32 (Linux and macOS only); use monitor --session ID";
    await expect(table.facts(1)).rejects.toThrow(new FallbackError(message));
    await expect(table.claudePids()).rejects.toThrow(message);
    await expect(table.alive({ pid: 1, cwd: "C:\\", startedAt: 0 })).rejects.toThrow(message);
  });
});

describe("runCommand", () => {
  test("runs under LC_ALL=C without a shell", async () => {
    const out = await runCommand(process.execPath, [
      "-e",
      "process.stdout.write(JSON.stringify([process.env.LC_ALL, process.argv[1]]))",
      "$(echo hi); `id`",
    ]);
    expect(JSON.parse(out)).toEqual(["C", "$(echo hi); `id`"]);
  });

  test("a program that is not installed is a FallbackError naming it", async () => {
    await expect(runCommand("cf-no-such-program", [])).rejects.toThrow(
      new FallbackError("monitor needs `cf-no-such-program` to look at other processes; it is not on PATH"),
    );
  });

  test("a failing program rejects with its error (an answer, not a missing program)", async () => {
    const error = await runCommand(process.execPath, ["-e", "process.exit(1)"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(FallbackError);
  });
});

/**
 * The lsof/ps table run for real on this machine (Linux's lsof and procps ps, not macOS's), checked
 * against /proc for the same process: same working directory, same start to the second.
 */
describe.skipIf(findOnPath("lsof", process.env.PATH) === null)("lsof and ps for real, against /proc", () => {
  let dir: string;
  const children: ChildProcess[] = [];

  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startIn(cwd: string, file: string): Promise<ChildProcess> {
    const child = spawn(file, ["-e", "process.stdout.write('up'); setInterval(() => {}, 1000)"], {
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.stdout!.once("data", () => resolve(child));
    });
  }

  test("a process in a directory with spaces, non-ASCII, a backslash and a tab", async () => {
    dir = mkdtempSync(join(tmpdir(), "cf-lsof-"));
    const cwd = join(dir, "my proj é\\back\ttab ☃");
    mkdirSync(cwd);
    const child = await startIn(cwd, process.execPath);
    const pid = child.pid!;
    const fromProc = linuxProcessFacts(pid);
    const table = lsofProcessTable();
    const fromLsof = await table.facts(pid);
    expect(fromProc?.cwd).toBe(cwd);
    expect(fromLsof?.cwd).toBe(cwd);
    expect(Math.abs(fromLsof!.startedAt - fromProc!.startedAt)).toBeLessThan(1000);
    expect(await table.alive(fromLsof!)).toBe(true);

    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(await table.alive(fromLsof!)).toBe(false);
    expect(await table.facts(pid)).toBeNull();
  });

  test("claudePids finds an executable named claude in the full ps listing", async () => {
    dir = mkdtempSync(join(tmpdir(), "cf-ps-"));
    const claude = join(dir, "claude");
    symlinkSync(process.execPath, claude);
    const child = await startIn(dir, claude);
    expect(await lsofProcessTable().claudePids()).toContain(child.pid);
  });
});

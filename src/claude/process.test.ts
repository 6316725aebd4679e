import { describe, expect, test } from "vitest";
import {
  isClaudeCommand,
  linuxClaudePids,
  linuxProcessFacts,
  linuxProcessTable,
  lsofProcessFacts,
  type ProcFs,
  parseBootTime,
  parseEnviron,
  parseLsofCwd,
  parseLstart,
  parseProcStat,
  parsePsArgs,
  startTimeMs,
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

  test("ps -axo pid=,args=", () => {
    const output =
      "    1 /sbin/launchd\n  501 /opt/homebrew/bin/claude --resume abc\n  502 node /x/@anthropic-ai/claude-code/cli.js\n  503 claude\n";
    expect(parsePsArgs(output, 503)).toEqual([501, 502]);
  });
});

describe("macOS: lsof and ps", () => {
  test("lsof -Fn cwd", () => {
    expect(parseLsofCwd("p123\nfcwd\nn/Users/me/my project\n")).toBe("/Users/me/my project");
    expect(parseLsofCwd("")).toBeNull();
  });

  test("ps lstart is local time", () => {
    expect(parseLstart("Tue Nov 24 04:26:31 2026\n")).toBe(new Date(2026, 10, 24, 4, 26, 31).getTime());
    expect(parseLstart("Mon Feb  2 09:05:00 2026")).toBe(new Date(2026, 1, 2, 9, 5, 0).getTime());
    expect(parseLstart("")).toBeNull();
    expect(parseLstart("Tue Foo 24 04:26:31 2026")).toBeNull();
  });

  test("facts from lsof and ps, run with arguments as data", async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]) => {
      calls.push([file, ...args]);
      return file === "ps" ? "Tue Nov 24 04:26:31 2026\n" : "p77\nfcwd\nn/Users/me/proj\n";
    };
    expect(await lsofProcessFacts(77, run)).toEqual({
      pid: 77,
      cwd: "/Users/me/proj",
      startedAt: new Date(2026, 10, 24, 4, 26, 31).getTime(),
    });
    expect(calls).toEqual([
      ["ps", "-o", "lstart=", "-p", "77"],
      ["lsof", "-a", "-p", "77", "-d", "cwd", "-Fn"],
    ]);
  });

  test("no such process", async () => {
    const run = async () => {
      throw new Error("exit 1");
    };
    expect(await lsofProcessFacts(77, run)).toBeNull();
  });
});

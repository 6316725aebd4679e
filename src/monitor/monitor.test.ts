import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { claudeProjectsDir } from "../../test/support/claude-home.js";
import type { ProcessFacts, ProcessTable } from "../claude/process.js";
import { projectSlug } from "../claude/transcripts/find.js";
import { Monitor, type MonitorEvent, type MonitorOptions, type MonitorTarget } from "./monitor.js";

const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);
const CWD = "/work/proj";

let root: string;
let env: Record<string, string>;
let now: number;
let out: string[];
let info: string[];
let events: MonitorEvent[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cf-monitor-"));
  env = { CLAUDE_CONFIG_DIR: join(root, "cfg") };
  now = T0 + 60_000;
  out = [];
  info = [];
  events = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function fakeTable(processes: ProcessFacts[]): ProcessTable & { exit(pid: number): void } {
  const live = new Map(processes.map((facts) => [facts.pid, facts]));
  return {
    facts: async (pid) => live.get(pid) ?? null,
    alive: async (facts) => live.get(facts.pid)?.startedAt === facts.startedAt,
    claudePids: async () => [...live.keys()],
    exit: (pid) => live.delete(pid),
  };
}

function monitor(target: MonitorTarget, table: ProcessTable, extra: Partial<MonitorOptions> = {}): Monitor {
  return new Monitor({
    target,
    env,
    table,
    zone: "UTC",
    now: () => now,
    watchFiles: false,
    out: (line) => out.push(line),
    info: (line) => info.push(line),
    onEvent: (event) => {
      events.push(event);
    },
    ...extra,
  });
}

function transcriptPath(sessionId: string, cwd = CWD): string {
  const dir = join(claudeProjectsDir(env), projectSlug(cwd));
  mkdirSync(dir, { recursive: true });
  return join(dir, `${sessionId}.jsonl`);
}

function record(sessionId: string, at: number, text: string, extra: Record<string, unknown> = {}) {
  return `${JSON.stringify({
    type: "assistant",
    sessionId,
    cwd: CWD,
    timestamp: new Date(at).toISOString(),
    isApiErrorMessage: true,
    message: { model: "<synthetic>", role: "assistant", content: [{ type: "text", text }] },
    ...extra,
  })}\n`;
}

const userRecord = (sessionId: string, at: number) =>
  `${JSON.stringify({ type: "user", sessionId, timestamp: new Date(at).toISOString(), message: { role: "user", content: "hi" } })}\n`;

const LIMIT = "You've hit your 5-hour limit · resets 4:30am (UTC)";
const claude: ProcessFacts = { pid: 4242, cwd: CWD, startedAt: T0 };

describe("monitor --pid", () => {
  test("reports a limit once with the resume command, and ends when the process exits", async () => {
    const table = fakeTable([claude]);
    const m = monitor({ kind: "pid", pid: 4242 }, table);
    expect(await m.start()).toBe(true);
    expect(info).toEqual([`watching claude pid 4242 in ${CWD}`]);
    expect(await m.tick()).toBe(false);

    const path = transcriptPath("sess-1");
    writeFileSync(path, userRecord("sess-1", T0 + 1000));
    expect(await m.tick()).toBe(false);
    expect(out).toEqual([]);

    appendFileSync(path, record("sess-1", T0 + 2000, LIMIT, { error: "rate_limit" }));
    await m.tick();
    expect(out).toEqual([
      `5-hour limit reached in session sess-1 (${CWD}): resets at 04:30 — continue on API billing: claude-fallback resume sess-1 --api`,
    ]);
    expect(events).toMatchObject([
      { kind: "limit", sessionId: "sess-1", cwd: CWD, resumeCommand: "claude-fallback resume sess-1 --api" },
    ]);

    // The same limit again (Claude Code retries at its own pace): not repeated.
    appendFileSync(path, record("sess-1", T0 + 3000, LIMIT, { error: "rate_limit" }));
    await m.tick();
    expect(out).toHaveLength(1);

    // A record written just before the exit is still read.
    appendFileSync(
      path,
      record("sess-1", T0 + 4000, "You've hit your weekly limit · resets Nov 27, 2am (UTC)"),
    );
    table.exit(4242);
    expect(await m.tick()).toBe(true);
    expect(out[1]).toMatch(/^weekly limit reached in session sess-1 .*resets on Nov 27 at 02:00/);
    expect(info.at(-1)).toBe("claude pid 4242 exited");
  });

  test("records from before the process started, and limits already reset, are history", async () => {
    const path = transcriptPath("old");
    writeFileSync(path, record("old", T0 - 60_000, LIMIT, { error: "rate_limit" }));
    const m = monitor({ kind: "pid", pid: 4242 }, fakeTable([claude]));
    await m.start();
    await m.tick();
    now = T0 + 2 * 3600_000;
    appendFileSync(path, record("old", T0 + 1000, "You've hit your 5-hour limit · resets 3:30am (UTC)"));
    await m.tick();
    expect(out).toEqual([]);
  });

  test("follows the session to a new transcript after /clear", async () => {
    const m = monitor({ kind: "pid", pid: 4242 }, fakeTable([claude]));
    await m.start();
    writeFileSync(transcriptPath("first"), userRecord("first", T0 + 1000));
    await m.tick();
    const second = transcriptPath("second");
    writeFileSync(second, userRecord("second", T0 + 5000));
    await m.tick();
    appendFileSync(second, record("second", T0 + 6000, LIMIT, { error: "rate_limit" }));
    await m.tick();
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("claude-fallback resume second --api");
  });

  test("warnings at or above notify_at_percentage, once each", async () => {
    const m = monitor({ kind: "pid", pid: 4242 }, fakeTable([claude]), { warnAtPercent: 90 });
    await m.start();
    const path = transcriptPath("w");
    writeFileSync(path, record("w", T0 + 1000, "You've used 85% of your 5-hour limit · resets 4:30am (UTC)"));
    await m.tick();
    expect(out).toEqual([]);
    appendFileSync(
      path,
      record("w", T0 + 2000, "You've used 92% of your 5-hour limit · resets 4:30am (UTC)"),
    );
    appendFileSync(
      path,
      record("w", T0 + 3000, "You've used 93% of your 5-hour limit · resets 4:30am (UTC)"),
    );
    await m.tick();
    expect(out).toEqual([`warning: session w (${CWD}) has used 92% of the 5-hour limit, resets at 04:30`]);
    expect(events.map((event) => event.kind)).toEqual(["warning"]);
  });

  test("a pid that is not running", async () => {
    const m = monitor({ kind: "pid", pid: 1 }, fakeTable([]));
    expect(await m.run()).toBe(1);
    expect(info).toEqual(["no running process with pid 1"]);
  });

  test("a pid that is running but is not Claude Code (a shell)", async () => {
    const shell = { ...claude, pid: 777 };
    const table = { ...fakeTable([claude, shell]), claudePids: async () => [claude.pid] };
    const m = monitor({ kind: "pid", pid: 777 }, table);
    expect(await m.run()).toBe(1);
    expect(info).toEqual([
      "pid 777 is not Claude Code; give the pid of a running claude (pgrep -x claude), or leave --pid out to watch them all",
    ]);
  });

  test("run() resolves 0 when the process exits; a failing notifier is reported, not fatal", async () => {
    const table = fakeTable([claude]);
    writeFileSync(transcriptPath("s"), record("s", T0 + 1000, LIMIT, { error: "rate_limit" }));
    const m = monitor({ kind: "pid", pid: 4242 }, table, {
      pollMs: 5,
      onEvent: () => {
        table.exit(4242);
        throw new Error("webhook down");
      },
    });
    expect(await m.run()).toBe(0);
    expect(out).toHaveLength(1);
    expect(info).toContain("could not notify: webhook down");
  });

  test("uses the watched process's own config directory when known", async () => {
    const other = join(root, "other-cfg");
    const m = monitor(
      { kind: "pid", pid: 4242 },
      fakeTable([{ ...claude, env: { CLAUDE_CONFIG_DIR: other } }]),
    );
    await m.start();
    const dir = join(other, "projects", projectSlug(CWD));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "x.jsonl"), record("x", T0 + 1000, LIMIT, { error: "rate_limit" }));
    await m.tick();
    expect(out[0]).toContain("claude-fallback resume x --api");
  });
});

describe("monitor --session and --all", () => {
  test("--session: only records written after the monitor started; runs until stopped", async () => {
    const path = transcriptPath("abc", "/elsewhere");
    writeFileSync(path, record("abc", T0, LIMIT, { error: "rate_limit", cwd: "/elsewhere" }));
    const stop = new AbortController();
    const m = monitor({ kind: "session", sessionId: "abc" }, fakeTable([]), { stop: stop.signal, pollMs: 5 });
    await m.start();
    await m.tick();
    expect(out).toEqual([]);
    appendFileSync(path, record("abc", now + 1000, LIMIT, { error: "rate_limit", cwd: "/elsewhere" }));
    expect(await m.tick()).toBe(false);
    expect(out).toEqual([
      "5-hour limit reached in session abc (/elsewhere): resets at 04:30 — continue on API billing: claude-fallback resume abc --api",
    ]);
    const running = m.run();
    stop.abort();
    expect(await running).toBe(0);
  });

  test("--all: picks up processes as they start, keeps going when they exit", async () => {
    const table = fakeTable([]);
    const m = monitor({ kind: "all" }, table);
    await m.start();
    await m.tick();
    const later: ProcessFacts = { pid: 7, cwd: "/other", startedAt: T0 };
    (table as unknown as { facts: ProcessTable["facts"] }).facts = async (pid) => (pid === 7 ? later : null);
    table.claudePids = async () => [7];
    writeFileSync(
      transcriptPath("q", "/other"),
      record("q", T0 + 1000, LIMIT, { error: "rate_limit", cwd: "/other" }),
    );
    await m.tick();
    expect(info).toContain("watching claude pid 7 in /other");
    expect(out[0]).toContain("claude-fallback resume q --api");
    table.alive = async () => false;
    table.claudePids = async () => [];
    expect(await m.tick()).toBe(false);
    expect(info.at(-1)).toBe("claude pid 7 exited");
  });
});

import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type LiveRun, listLiveRuns, readLiveRuns, writeLiveRun } from "./runs.js";

let stateDir: string;
const runs = () => join(stateDir, "runs");

const LIVE: LiveRun = {
  runId: "live",
  pid: process.pid,
  claudePid: null,
  cwd: "/work/project",
  mode: "api",
  sessionId: null,
  startedAt: Date.UTC(2030, 0, 15, 10, 0),
  pending: null,
  shell: "pty",
};

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "cf-runs-"));
});

afterEach(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

describe("readLiveRuns", () => {
  test("no runs directory yet: no run, no problem", () => {
    expect(readLiveRuns(stateDir)).toEqual({ runs: [], problem: null });
  });

  test("a live run is listed; one whose process is gone is pruned", () => {
    writeLiveRun(stateDir, LIVE);
    writeLiveRun(stateDir, { ...LIVE, runId: "gone", pid: 2 ** 22 + 12345 });
    expect(readLiveRuns(stateDir)).toEqual({ runs: [LIVE], problem: null });
    expect(existsSync(join(runs(), "gone.json"))).toBe(false);
  });

  test("a runs directory that cannot be read is a problem with the path and the fix, not 'no live run'", () => {
    writeFileSync(runs(), "not a directory");
    const reading = readLiveRuns(stateDir);
    expect(reading.runs).toEqual([]);
    expect(reading.problem).toBe(
      `live runs: cannot read ${runs()}: ${runs()} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place`,
    );
  });

  test("an entry that cannot be read is said and left in place (its run may be alive); the others are listed", () => {
    writeLiveRun(stateDir, LIVE);
    const loop = join(runs(), "loop.json");
    symlinkSync("loop.json", loop); // ELOOP: unreadable even to root.
    mkdirSync(join(runs(), "dir.json"));
    const reading = readLiveRuns(stateDir);
    expect(reading.runs).toEqual([LIVE]);
    expect(reading.problem).toMatch(/^live runs: cannot read .*runs\/(loop|dir)\.json/);
    expect(lstatSync(loop).isSymbolicLink()).toBe(true);
    expect(existsSync(join(runs(), "dir.json"))).toBe(true);
  });

  test("an entry of a live pid without the fields of a run is dropped, not shown (status threw 'Invalid time value')", () => {
    mkdirSync(runs(), { recursive: true });
    writeFileSync(join(runs(), "half.json"), JSON.stringify({ pid: process.pid }));
    writeFileSync(join(runs(), "notjson.json"), "{ half");
    expect(listLiveRuns(stateDir)).toEqual([]);
    expect(existsSync(join(runs(), "half.json"))).toBe(false);
    expect(existsSync(join(runs(), "notjson.json"))).toBe(false);
  });

  test("an entry of an older version, without `shell`, is still a live run", () => {
    const { shell: _, ...older } = LIVE;
    writeLiveRun(stateDir, older);
    expect(listLiveRuns(stateDir)).toEqual([older]);
  });
});

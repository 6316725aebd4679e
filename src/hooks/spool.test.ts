import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FallbackError } from "../errors.js";
import type { HookEvent } from "./hook-events.js";
import { writeInjection } from "./settings.js";
import {
  createRunDir,
  pruneStaleRunDirs,
  type RunDir,
  runDirLayout,
  type SpoolWatcher,
  watchSpool,
} from "./spool.js";
import type { StatusLineInput } from "./status-input.js";

let root: string;
let run: RunDir;
const watchers: SpoolWatcher[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "cf-spool-"));
  run = createRunDir(join(root, "runtime"), "run-1");
});

afterEach(async () => {
  for (const watcher of watchers.splice(0)) watcher.close();
  await rm(root, { recursive: true, force: true });
});

/** Polls `condition` (bounded) — a wait for an event, not a sleep standing in for one. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let serial = 0;
/** As the scripts do: a complete file in tmp/, then a rename into place. */
function putAtomically(target: string, content: string): void {
  const temp = join(run.tempDir, `t${serial++}`);
  writeFileSync(temp, content);
  renameSync(temp, target);
}

async function watch(options: { pollIntervalMs?: number } = {}) {
  const events: HookEvent[] = [];
  const statusLines: StatusLineInput[] = [];
  const errors: Error[] = [];
  const watcher = await watchSpool({
    runDir: run.path,
    onEvent: (event) => events.push(event),
    onStatusLine: (input) => statusLines.push(input),
    onError: (error) => errors.push(error),
    pollIntervalMs: options.pollIntervalMs ?? 0,
  });
  watchers.push(watcher);
  return { watcher, events, statusLines, errors };
}

const sessionStart = (id: string, source = "startup") =>
  JSON.stringify({
    session_id: id,
    transcript_path: `/t/${id}.jsonl`,
    cwd: "/w",
    hook_event_name: "SessionStart",
    source,
  });

describe("run directory", () => {
  test("is private: 0700 run dir, events/ and tmp/, and a 0700 runtime dir made when missing", () => {
    for (const dir of [join(root, "runtime"), run.path, run.eventsDir, run.tempDir]) {
      expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
    }
    expect(run).toMatchObject(runDirLayout(join(root, "runtime", "run-1")));
    expect(run.statusLineFile).toBe(join(root, "runtime", "run-1", "statusline.json"));
  });

  test("is always fresh: an existing one or a bad run id is refused", () => {
    expect(() => createRunDir(join(root, "runtime"), "run-1")).toThrow(FallbackError);
    for (const id of ["", ".", "..", "a/b", "../x", ".hidden", "a b"]) {
      expect(() => createRunDir(join(root, "runtime"), id), id).toThrow(FallbackError);
    }
  });

  test("remove() deletes it", async () => {
    await run.remove();
    expect(existsSync(run.path)).toBe(false);
  });

  test("names its owner: the pid of the process that made it", () => {
    expect(readFileSync(run.ownerFile, "utf8")).toBe(`${process.pid}\n`);
  });
});

describe("stale run directories", () => {
  test("those of a process that is gone are pruned; live ones, young ones being made and anything else stay", async () => {
    const runtime = join(root, "runtime");
    const gone = spawnSync("true").pid;
    const dead = createRunDir(runtime, "run-dead");
    writeFileSync(dead.ownerFile, `${gone}\n`);
    // Being made by another wrapper: its pid file exists but is still empty.
    const making = createRunDir(runtime, "run-making");
    writeFileSync(making.ownerFile, "");
    const garbled = createRunDir(runtime, "run-garbled");
    writeFileSync(garbled.ownerFile, "0\n");
    const young = join(runtime, "run-young");
    const old = join(runtime, "run-old");
    mkdirSync(young);
    mkdirSync(old);
    const now = Date.now();
    for (const dir of [old, garbled.path]) utimesSync(dir, new Date(now - 120_000), new Date(now - 120_000));
    writeFileSync(join(runtime, "run-file"), "a file with a run id's name");
    mkdirSync(join(runtime, ".hidden"));
    writeFileSync(join(runtime, ".hidden", "owner.pid"), `${gone}\n`);

    const removed = await pruneStaleRunDirs(runtime, now, 60_000);
    expect(removed.sort()).toEqual(["run-dead", "run-garbled", "run-old"]);
    expect(readdirSync(runtime).sort()).toEqual([".hidden", "run-1", "run-file", "run-making", "run-young"]);
    expect(readdirSync(run.path).sort()).toEqual(["events", "owner.pid", "tmp"]);
  });

  test("a runtime directory that does not exist has nothing to prune", async () => {
    expect(await pruneStaleRunDirs(join(root, "nowhere"))).toEqual([]);
  });
});

describe("spool watcher", () => {
  test("delivers each complete event file once, typed, and deletes it", async () => {
    const { watcher, events } = await watch();
    putAtomically(join(run.eventsDir, "100-0.json"), sessionStart("a"));
    await until(() => events.length === 1, "the event");
    expect(events[0]).toEqual({
      name: "SessionStart",
      sessionId: "a",
      transcriptPath: "/t/a.jsonl",
      cwd: "/w",
      source: "startup",
      raw: JSON.parse(sessionStart("a")),
    });
    await until(() => readdirSync(run.eventsDir).length === 0, "the file to be deleted");
    putAtomically(join(run.eventsDir, "100-0.json"), sessionStart("b", "resume"));
    await until(() => events.length === 2, "the second event");
    expect(events.map((event) => event.sessionId)).toEqual(["a", "b"]);
    expect(watcher.stats).toMatchObject({ events: 2, garbage: 0 });
  });

  test("files that arrived before the watcher are delivered by the initial scan, oldest first", async () => {
    putAtomically(join(run.eventsDir, "b.json"), sessionStart("first"));
    const later = new Date(Date.now() + 10_000);
    putAtomically(join(run.eventsDir, "a.json"), sessionStart("second"));
    utimesSync(join(run.eventsDir, "a.json"), later, later);
    const { events } = await watch();
    expect(events.map((event) => event.sessionId)).toEqual(["first", "second"]);
    expect(readdirSync(run.eventsDir)).toEqual([]);
  });

  test("a burst of events is delivered completely, each once", async () => {
    const { events } = await watch();
    for (let i = 0; i < 50; i++) putAtomically(join(run.eventsDir, `1-${i}.json`), sessionStart(`s${i}`));
    await until(() => events.length === 50, "50 events");
    expect(new Set(events.map((event) => event.sessionId)).size).toBe(50);
    expect(readdirSync(run.eventsDir)).toEqual([]);
  });

  test("dot files (being written) are left alone; garbage is dropped and counted", async () => {
    const { watcher, events } = await watch();
    writeFileSync(join(run.eventsDir, ".partial.json"), '{"session_id":');
    putAtomically(join(run.eventsDir, "1.json"), "not json {");
    putAtomically(join(run.eventsDir, "2.json"), JSON.stringify({ session_id: "x" }));
    putAtomically(join(run.eventsDir, "3.json"), "[1]");
    putAtomically(join(run.eventsDir, "4.txt"), sessionStart("ignored-extension"));
    putAtomically(join(run.eventsDir, "5.json"), sessionStart("good"));
    await until(
      () => events.length === 1 && watcher.stats.garbage === 3,
      "the good event and 3 garbage files",
    );
    expect(events.map((event) => event.sessionId)).toEqual(["good"]);
    expect(readdirSync(run.eventsDir).sort()).toEqual([".partial.json", "4.txt"]);
  });

  test("status line: each new version is delivered parsed; a burst is coalesced to the latest", async () => {
    const { watcher, statusLines } = await watch();
    const version = (n: number) =>
      JSON.stringify({
        session_id: "s",
        rate_limits: { five_hour: { used_percentage: n, resets_at: 1_900_000_000 } },
      });
    putAtomically(run.statusLineFile, version(1));
    await until(() => statusLines.length === 1, "the first status line");
    expect(statusLines[0]?.windows).toEqual([
      { name: "five_hour", usedPercentage: 1, resetsAt: 1_900_000_000_000 },
    ]);
    for (let n = 2; n <= 100; n++) putAtomically(run.statusLineFile, version(n));
    await until(() => statusLines.at(-1)?.windows[0]?.usedPercentage === 100, "the latest version");
    expect(statusLines.length).toBeLessThan(50);
    const percentages = statusLines.map((input) => input.windows[0]?.usedPercentage ?? 0);
    expect([...percentages].sort((a, b) => a - b)).toEqual(percentages);
    expect(watcher.stats.statusLines).toBe(statusLines.length);
  });

  test("status line garbage is counted and skipped; an existing file is read at start", async () => {
    putAtomically(run.statusLineFile, JSON.stringify({ session_id: "early" }));
    const { watcher, statusLines } = await watch();
    expect(statusLines.map((input) => input.sessionId)).toEqual(["early"]);
    putAtomically(run.statusLineFile, "{ torn");
    await until(() => watcher.stats.garbage === 1, "the garbage");
    putAtomically(run.statusLineFile, JSON.stringify({ session_id: "late" }));
    await until(() => statusLines.length === 2, "the next version");
    expect(statusLines.map((input) => input.sessionId)).toEqual(["early", "late"]);
  });

  test("the poll finds what the file watcher did not report", async () => {
    const { events } = await watch({ pollIntervalMs: 20 });
    // The watched directory is swapped for a new one: its notifications are lost, the poll is not.
    renameSync(run.eventsDir, join(run.path, "events-old"));
    mkdirSync(run.eventsDir, { mode: 0o700 });
    putAtomically(join(run.eventsDir, "x.json"), sessionStart("polled"));
    await until(() => events.length === 1, "the polled event");
    expect(events[0]?.sessionId).toBe("polled");
  });

  test("after close() nothing is consumed: the next watcher gets the file", async () => {
    const first = await watch();
    first.watcher.close();
    putAtomically(join(run.eventsDir, "after.json"), sessionStart("after-close"));
    const second = await watch();
    expect(second.events.map((event) => event.sessionId)).toEqual(["after-close"]);
    expect(first.events).toEqual([]);
  });

  test("a callback that throws is reported; delivery goes on", async () => {
    const errors: Error[] = [];
    const seen: string[] = [];
    const watcher = await watchSpool({
      runDir: run.path,
      onEvent: (event) => {
        seen.push(event.sessionId ?? "");
        if (event.sessionId === "bad") throw new Error("callback failed");
      },
      onError: (error) => errors.push(error),
      pollIntervalMs: 0,
    });
    watchers.push(watcher);
    putAtomically(join(run.eventsDir, "1.json"), sessionStart("bad"));
    await until(() => seen.length === 1, "the first event");
    putAtomically(join(run.eventsDir, "2.json"), sessionStart("good"));
    await until(() => seen.length === 2, "the second event");
    expect(errors.map((error) => error.message)).toEqual(["callback failed"]);
  });
});

function runScript(
  script: string,
  input: string,
  cwd: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], { cwd, stdio: ["pipe", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

describe("spool with the injected scripts", () => {
  test("the SessionStart hook script reaches the watcher, and the status-line script too", async () => {
    const settingsFile = writeInjection({
      runDir: run.path,
      hookServer: { url: "http://127.0.0.1:9", secret: "x" },
      userStatusLine: null,
    });
    const settings = JSON.parse(readFileSync(settingsFile, "utf8")) as {
      hooks: { SessionStart: [{ hooks: [{ command: string }] }] };
      statusLine: { command: string };
    };
    const { events, statusLines } = await watch();
    const project = join(root, "project");
    mkdirSync(project);
    const hook = await runScript(
      settings.hooks.SessionStart[0].hooks[0].command,
      sessionStart("via-script"),
      project,
    );
    expect(hook).toEqual({ code: 0, stdout: "" });
    await until(() => events.length === 1, "the SessionStart event");
    expect(events[0]).toMatchObject({ name: "SessionStart", sessionId: "via-script", source: "startup" });

    const status = JSON.stringify({
      session_id: "via-script",
      rate_limits: { seven_day: { used_percentage: 12.5 } },
    });
    const line = await runScript(settings.statusLine.command, status, project);
    expect(line.code).toBe(0);
    await until(() => statusLines.length === 1, "the status line");
    expect(statusLines[0]?.windows).toEqual([{ name: "seven_day", usedPercentage: 12.5, resetsAt: null }]);
    expect(readdirSync(run.tempDir)).toEqual([]);
  });
});

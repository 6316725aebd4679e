/**
 * Faults around the wrapper (issue #6): the real `claude` under claude-fallback against the
 * simulator, with a process killed, a disk full, a file damaged, leftovers of a killed run, two
 * wrappers in one directory and eight sharing one ledger. Each case ends with a clear message,
 * the user's terminal restored where one is involved, no process of the run left behind, the
 * conversation intact, and the ledger's totals right.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { constants } from "node:os";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { formatUsd, nanoToUsd } from "../../src/money.js";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { openLedger } from "../../src/usage/ledger.js";
import { recordRow } from "../support/ledger.js";
import { alive, processesWithEnv } from "../support/processes.js";
import { killLiveProcesses, runProcess, spawnTracked, testedClaudeBinary } from "./harness/claude.js";
import {
  CLI,
  fallbackEnv,
  ourCommand,
  runFallback,
  spawnFallback,
  writeFallbackConfig,
} from "./harness/cli.js";
import { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { completeJsonLines, createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
let home: string;
const sessions: PtySession[] = [];
const pids: number[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
  home = await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

interface LiveRunFile {
  runId: string;
  pid: number;
  claudePid: number | null;
  sessionId: string | null;
}

function liveRunFiles(): string[] {
  const dir = join(home, "state", "runs");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
}

function liveRuns(): LiveRunFile[] {
  return liveRunFiles().flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(join(home, "state", "runs", name), "utf8")) as LiveRunFile];
    } catch {
      return []; // Being replaced (atomic rename): read again on the next poll.
    }
  });
}

function runDirs(): string[] {
  const dir = join(home, "run");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The live run of a wrapper once its claude is up (the wrapper's pid picks one of several). */
async function liveRunOf(session: PtySession, wrapperPid?: number): Promise<LiveRunFile> {
  const find = () =>
    liveRuns().find((run) => run.claudePid !== null && (wrapperPid === undefined || run.pid === wrapperPid));
  await session.waitUntil(() => find() !== undefined, "the live-run file with claude's pid");
  const run = find()!;
  pids.push(run.claudePid!, run.pid);
  return run;
}

/** Nothing started in the sandbox runs any more: wrapper, claude, hooks, status lines. */
async function expectNoProcessLeft(session: PtySession): Promise<void> {
  const entry = `HOME=${sandbox.home}`;
  await session
    .waitUntil(() => processesWithEnv(entry).length === 0, "every process of the sandbox to end", 10_000)
    .catch(() => {});
  expect(processesWithEnv(entry)).toEqual([]);
}

/** The user and assistant texts of a transcript, whose whole lines must parse ("" while there is none). */
function transcriptTexts(sessionId: string): string {
  const path = sandbox.transcriptPath(sessionId);
  if (!existsSync(path)) return "";
  const records = completeJsonLines(readFileSync(path, "utf8")) as {
    type?: string;
    message?: { content?: unknown };
  }[];
  return records
    .filter((record) => record.type === "user" || record.type === "assistant")
    .map((record) => JSON.stringify(record.message?.content ?? ""))
    .join("\n");
}

/** Claude writes its transcript a little after the screen shows the reply: a kill before that loses the turn. */
async function turnSaved(session: PtySession, sessionId: string, text: string): Promise<void> {
  await session.waitUntil(
    () => transcriptTexts(sessionId).includes(text),
    `the transcript to hold "${text}"`,
  );
}

/** What the hooks told a wrapper (its CLAUDE_FALLBACK_TRACE): "busy" for UserPromptSubmit, "idle" for Stop. */
function hookEvents(trace: string): string[] {
  if (!existsSync(trace)) return [];
  return (completeJsonLines(readFileSync(trace, "utf8")) as { event: { type: string } }[])
    .map((line) => line.event.type)
    .filter((type) => type === "busy" || type === "idle");
}

function start(args: string[] = [], env: NodeJS.ProcessEnv = {}): PtySession {
  const session = spawnFallback(sandbox, args, fallbackEnv(sandbox, env));
  sessions.push(session);
  return session;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The wrapper with `args` inside a shell in a pty that saves `stty -g` before and after, and its status. */
function startInShell(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = (name: string) => join(sandbox.root, `shell-${name}`);
  const command = [process.execPath, CLI, "--claude", testedClaudeBinary(), ...args].map(quote).join(" ");
  const script = [
    `stty -g > ${quote(out("before"))}`,
    command,
    `echo $? > ${quote(out("status"))}`,
    `stty -g > ${quote(out("after"))}`,
    "echo SHELL-DONE",
  ].join("; ");
  const session = new PtySession("/bin/sh", ["-c", script], {
    cwd: sandbox.project,
    env: fallbackEnv(sandbox, env),
  });
  sessions.push(session);
  const ended = async () => {
    await session.exited;
    expect(session.text()).toContain("SHELL-DONE");
    const read = (name: string) => readFileSync(out(name), "utf8").trim();
    return { status: Number(read("status")), before: read("before"), after: read("after") };
  };
  return { session, ended };
}

/** xterm's own cursor visibility (DECTCEM); not in the public typings. */
function cursorHidden(session: PtySession): boolean {
  const core = (session.terminal as unknown as { _core: { coreService: { isCursorHidden: boolean } } })._core;
  return core.coreService.isCursorHidden;
}

function expectTerminalRestored(session: PtySession, stty: { before: string; after: string }): void {
  expect(stty.after).toBe(stty.before);
  expect(session.terminal.buffer.active.type).toBe("normal");
  expect(cursorHidden(session)).toBe(false);
  expect(session.terminal.modes.bracketedPasteMode).toBe(false);
}

function ledger<T>(query: (db: Database.Database) => T, file = join(home, "data", "usage.db")): T {
  const db = new Database(file, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

/** Our own lines on the screen (a long one may wrap: the screen is read unwrapped). */
function said(session: PtySession): string[] {
  const buffer = session.terminal.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    const text = line?.translateToString(true) ?? "";
    if (line?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  return lines.filter((line) => line.startsWith("claude-fallback:"));
}

// ── a: the wrapper killed ───────────────────────────────────────────────────────────────────

describe("the wrapper killed with SIGKILL", () => {
  test("claude does not survive it; the next start in the same directory resumes the conversation and clears the leftovers", async () => {
    const session = start();
    await session.waitFor("❯");
    const run = await liveRunOf(session);
    await session.submit("first question about pineapples");
    await session.waitFor("Simulated reply 1");
    await turnSaved(session, run.sessionId!, "Simulated reply 1");

    process.kill(run.pid, "SIGKILL");
    await session.exited;
    // The pty master closed with the wrapper: the kernel hangs claude up, and it ends.
    await session.waitUntil(() => !alive(run.claudePid!), "claude to end after its wrapper", 10_000);
    await expectNoProcessLeft(session);
    // What a killed wrapper cannot remove: its live-run entry and its run directory.
    expect(liveRunFiles()).toEqual([`${run.runId}.json`]);
    expect(runDirs()).toEqual([run.runId]);
    expect(transcriptTexts(run.sessionId!)).toContain("first question about pineapples");

    const status = await runFallback(sandbox, ["status", "--json"]);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { sessions: unknown[] }).sessions).toEqual([]);
    expect(liveRunFiles()).toEqual([]);

    const next = start(["resume", run.sessionId!]);
    await next.waitFor("first question about pineapples");
    const nextRun = await liveRunOf(next);
    expect(runDirs()).toEqual([nextRun.runId]);
    await next.submit("second question");
    await next.waitFor("Simulated reply 2");
    const last = messageRequests(simulator).at(-1)!;
    expect(JSON.stringify(last.body)).toContain("first question about pineapples");
    expect(last.sessionId).toBe(run.sessionId);
    expect((await next.quit()).exitCode).toBe(0);
    expect(runDirs()).toEqual([]);
    expect(liveRunFiles()).toEqual([]);
    await expectNoProcessLeft(next);
    const texts = transcriptTexts(run.sessionId!);
    expect(texts).toContain("first question about pineapples");
    expect(texts).toContain("second question");
  });
});

// ── b: claude killed ──────────────────────────────────────────────────────────────────────────

describe("claude killed with SIGKILL", () => {
  test("the wrapper exits 137 with one line saying so and how to resume; the terminal is restored; resume works", async () => {
    const { session, ended } = startInShell([]);
    await session.waitFor("❯");
    const run = await liveRunOf(session);
    await session.submit("first question about pineapples");
    await session.waitFor("Simulated reply 1");
    await turnSaved(session, run.sessionId!, "Simulated reply 1");

    process.kill(run.claudePid!, "SIGKILL");
    const outcome = await ended();
    expect(outcome.status).toBe(137);
    expectTerminalRestored(session, outcome);
    expect(said(session)).toEqual([
      `claude-fallback: claude was killed (SIGKILL); continue the conversation with: ${ourCommand()} resume ${run.sessionId}`,
    ]);
    await expectNoProcessLeft(session);
    expect(runDirs()).toEqual([]);
    expect(liveRunFiles()).toEqual([]);
    expect(ledger((db) => db.prepare("SELECT exit_code FROM runs WHERE id = ?").get(run.runId))).toEqual({
      exit_code: 137,
    });

    expect(transcriptTexts(run.sessionId!)).toContain("first question about pineapples");
    const resumed = await runFallback(sandbox, ["resume", run.sessionId!, "--", "-p", "and the second?"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("Simulated reply 2");
    expect(JSON.stringify(messageRequests(simulator).at(-1)!.body)).toContain(
      "first question about pineapples",
    );
  });
});

describe("the wrapper hung up or terminated (its terminal closed, a kill)", () => {
  test.each(["SIGHUP", "SIGTERM"] as const)(
    "%s: claude ends with it and the run leaves no run directory (its hook secret) and no live-run entry",
    async (signal) => {
      const session = start();
      await session.waitFor("❯");
      const run = await liveRunOf(session);
      expect(runDirs()).toHaveLength(1);
      process.kill(run.pid, signal);
      await session.exited;
      await expectNoProcessLeft(session);
      expect(runDirs()).toEqual([]);
      expect(liveRunFiles()).toEqual([]);
    },
  );
});

describe("the wrapper signalled in the middle of an API turn", () => {
  test.each(["SIGTERM", "SIGHUP", "SIGINT"] as const)(
    "%s: the request in flight is in the ledger as aborted, the run is ended with 128+n, and what API billing cost is said",
    async (signal) => {
      const { session, ended } = startInShell(["--force-api"]);
      await session.waitFor("❯");
      const run = await liveRunOf(session);
      // The answer starts (its usage is known) and then stalls: the signal comes mid-stream.
      simulator.enqueue({ billing: "api", eventDelayMs: 10 * 60_000 });
      await session.submit("a long answer please");
      await session.waitUntil(
        () => messageRequests(simulator).length > 0,
        "the API request at the simulator",
      );
      process.kill(run.pid, signal);
      const outcome = await ended();
      const status = 128 + constants.signals[signal];
      expect(outcome.status).toBe(status);
      expectTerminalRestored(session, outcome);
      const rows = ledger(
        (db) =>
          db.prepare("SELECT outcome, cost_nanousd FROM requests WHERE run_id = ?").all(run.runId) as {
            outcome: string;
            cost_nanousd: number;
          }[],
      );
      expect(rows.map((row) => row.outcome)).toEqual(["aborted"]);
      // What the answer's start said it used is billed, and said.
      expect(rows[0]!.cost_nanousd).toBeGreaterThan(0);
      const billed = `this run's API billing: ${formatUsd(nanoToUsd(rows[0]!.cost_nanousd))} `;
      expect(said(session).some((line) => line.includes(billed))).toBe(true);
      const ended_ = ledger((db) =>
        db.prepare("SELECT ended_at IS NOT NULL AS ended, exit_code FROM runs WHERE id = ?").get(run.runId),
      );
      expect(ended_).toEqual({ ended: 1, exit_code: status });
      await expectNoProcessLeft(session);
      expect(messageRequests(simulator)).toHaveLength(1);
    },
  );
});

describe("the wrapper's terminal closed for real in the middle of an API turn", () => {
  test("the hang-up ends the run in order: the request in flight is in the ledger, the run is ended with 129, nothing is left", async () => {
    const session = start(["--force-api"]);
    await session.waitFor("❯");
    const run = await liveRunOf(session);
    simulator.enqueue({ billing: "api", eventDelayMs: 10 * 60_000 });
    await session.submit("a long answer please");
    await session.waitUntil(() => messageRequests(simulator).length > 0, "the API request at the simulator");
    // The terminal's end of the pty goes away (a closed window): SIGHUP, then every write fails (EIO).
    (session.process as unknown as { destroy(): void }).destroy();
    await session.waitUntil(() => !alive(run.pid), "the wrapper to end", 20_000);
    const rows = ledger(
      (db) =>
        db.prepare("SELECT outcome FROM requests WHERE run_id = ?").all(run.runId) as { outcome: string }[],
    );
    expect(rows.map((row) => row.outcome)).toEqual(["aborted"]);
    expect(
      ledger((db) =>
        db.prepare("SELECT ended_at IS NOT NULL AS ended, exit_code FROM runs WHERE id = ?").get(run.runId),
      ),
    ).toEqual({ ended: 1, exit_code: 129 });
    await expectNoProcessLeft(session);
  });
});

// ── c: a status-line or hook process killed ──────────────────────────────────────────────────

describe("a status-line or hook process killed with SIGKILL mid-run", () => {
  test("the session goes on: the next turn is answered, the wrapper still hears its hooks, the status line comes back", async () => {
    const file = (name: string) => join(sandbox.root, name);
    // The user's status line and prompt hook hang (their pid in a file) until a flag file exists.
    const hangUntil = (flag: string, pidFile: string, then: string) =>
      `if [ -e ${quote(file(flag))} ]; then ${then}; else echo $$ > ${quote(file(pidFile))}; exec sleep 300; fi`;
    await sandbox.writeUserSettings({
      statusLine: { type: "command", command: hangUntil("status-flag", "status-pid", "printf USER-AFTER") },
      hooks: {
        UserPromptSubmit: [
          { hooks: [{ type: "command", command: hangUntil("hook-flag", "hook-pid", "true") }] },
        ],
      },
    });
    const trace = file("trace.jsonl");
    const { session, ended } = startInShell([], { CLAUDE_FALLBACK_TRACE: trace });
    await session.waitFor("❯");
    await liveRunOf(session);

    const killHung = async (flag: string, pidFile: string) => {
      await session.waitUntil(() => existsSync(file(pidFile)), `the hung ${pidFile}`);
      const pid = Number(readFileSync(file(pidFile), "utf8"));
      writeFileSync(file(flag), "");
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Claude stopped it first (a newer status line overtakes an old one).
      }
      await session.waitUntil(() => !alive(pid), `${pidFile} ${pid} to end`, 10_000);
    };
    await killHung("status-flag", "status-pid");
    await session.submit("a question while things die");
    await killHung("hook-flag", "hook-pid");
    await session.waitFor("Simulated reply 1");
    await session.waitFor(/USER-AFTER SUB/);
    await session.waitUntil(() => hookEvents(trace).includes("idle"), "the Stop hook to reach the wrapper");
    expect(hookEvents(trace)).toEqual(["busy", "idle"]);

    await session.submit("and one more");
    await session.waitFor("Simulated reply 2");
    await session.waitUntil(() => hookEvents(trace).length === 4, "the second turn's hooks at the wrapper");
    expect(hookEvents(trace)).toEqual(["busy", "idle", "busy", "idle"]);
    await session.pressCtrlCTwice();
    const outcome = await ended();
    expect(outcome.status).toBe(0);
    expectTerminalRestored(session, outcome);
    expect(said(session)).toEqual([]);
    await expectNoProcessLeft(session);
  });
});

// ── d: a full disk ────────────────────────────────────────────────────────────────────────────

/** An unprivileged user + mount namespace can mount a tmpfs of its own: a disk that really fills up. */
const canMountTmpfs =
  spawnSync("unshare", [
    "--user",
    "--map-root-user",
    "--mount",
    "sh",
    "-c",
    "mount -t tmpfs -o size=64k tmpfs /mnt",
  ]).status === 0;

/** Fills the file system holding `dir` to the last byte (a write of one more fails with ENOSPC); returns the filler file. */
function fill(dir: string): string {
  const filler = join(dir, "filler");
  const fd = openSync(filler, "a");
  try {
    for (const size of [64 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

/** Every request answered with 1000 input and 500 output tokens of Sonnet 4.5: its price in nano-dollars. */
function billTheSameForEveryRequest(): number {
  simulator.configure({
    responseModel: "claude-sonnet-4-5-20250929",
    usage: {
      inputTokens: 1000,
      outputTokens: 500,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 0,
    },
  });
  // $3 / $15 per million tokens: $0.0105 a request.
  return 1000 * 3000 + 500 * 15_000;
}

describe.skipIf(!canMountTmpfs)("the disk of claude-fallback's files fills up", () => {
  test("API turns go on, counted against the caps; one line says so; the ledger catches up when there is room; what it never got is said at the end", async () => {
    const PER_REQUEST = billTheSameForEveryRequest();
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_day: 0.03 });
    const tiny = join(sandbox.root, "tiny-home");
    const out = (name: string) => join(sandbox.root, `ns-${name}`);
    mkdirSync(tiny);
    mkdirSync(out("data"));
    const wrapper = [process.execPath, CLI, "--claude", testedClaudeBinary(), "--force-api"]
      .map(quote)
      .join(" ");
    // A tmpfs for all of claude-fallback's files, and one of its own for the ledger: its fill level
    // does not move (the other's does: the status line's spool frees files as it goes).
    const script = [
      `mount -t tmpfs -o size=2m,mode=0700 tmpfs ${quote(tiny)}`,
      `mkdir -m 0700 ${quote(tiny)}/data`,
      `mount -t tmpfs -o size=1m,mode=0700 tmpfs ${quote(tiny)}/data`,
      `echo $$ > ${quote(out("pid"))}`,
      `stty -g > ${quote(out("before"))}`,
      wrapper,
      `echo $? > ${quote(out("status"))}`,
      `stty -g > ${quote(out("after"))}`,
      `cp ${quote(tiny)}/data/* ${quote(out("data"))}/`,
      "echo SHELL-DONE",
    ].join("; ");
    const session = new PtySession(
      "unshare",
      ["--user", "--map-root-user", "--mount", "/bin/sh", "-c", script],
      {
        cwd: sandbox.project,
        env: fallbackEnv(sandbox, {
          CLAUDE_FALLBACK_HOME: tiny,
          CLAUDE_FALLBACK_CONFIG: join(home, "config.json"),
        }),
      },
    );
    sessions.push(session);
    await session.waitUntil(() => existsSync(out("pid")), "the namespace");
    // The tmpfs as the namespace sees it.
    home = `/proc/${readFileSync(out("pid"), "utf8").trim()}/root${tiny}`;
    await session.waitFor("❯");
    const run = await liveRunOf(session);
    const turn = async (n: number, expected: string | RegExp) => {
      await session.submit(`question ${n}`);
      await session.waitFor(expected);
      await session.waitUntil(() => !session.text().includes("esc to interrupt"), "the turn to end");
    };
    const refusals = () =>
      session.text().match(/API Error: 402 claude-fallback: the daily API spending cap/g)?.length ?? 0;
    const refusedTurn = async (n: number) => {
      const before = refusals();
      await session.submit(`question ${n}`);
      await session.waitUntil(() => refusals() > before, "the cap's refusal on claude's screen");
      await session.waitUntil(() => !session.text().includes("esc to interrupt"), "the turn to end");
    };
    const notices = () => session.raw.match(/(?<=\u001b\]9;)[^\u0007\u001b]*/g);

    await turn(1, "Simulated reply 1");
    fill(home);
    let filler = fill(join(home, "data"));
    await turn(2, "Simulated reply 2");
    await turn(3, "Simulated reply 3");
    // One line for the ledger (it is money), and at most one for everything else that could not be
    // saved (how many state writes fail depends on what the status line's spool frees meanwhile).
    const ledgerLine = `claude-fallback: could not write the usage ledger ${tiny}/data/usage.db: the disk is full; API spend is still counted against your caps, and written once the ledger can take it; fix: free some space on its disk, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place`;
    const stateLine =
      "claude-fallback: could not save its state (ENOSPC: no space left on device, write); the session goes on";
    // A desktop notification holds 256 characters; the fix, last, is cut there.
    const ledgerNotice = `${ledgerLine.slice(0, 255)}…`;
    const expectNotices = (others: string[]) => {
      const seen = notices() ?? [];
      expect(seen.filter((notice) => notice !== stateLine)).toEqual([ledgerNotice, ...others]);
      expect(seen.filter((notice) => notice === stateLine).length).toBeLessThanOrEqual(1);
    };
    // $0.0315 spent, $0.021 of it only in memory: the cap is reported reached as soon as the spend
    // gets there, and the $0.03 daily cap holds.
    const capLine = expect.stringMatching(
      /^claude-fallback: the daily API spending cap of \$0\.03 is reached \(\$0\.03 spent today\): further API requests are refused/,
    );
    await session.waitUntil(
      () => (notices() ?? []).some((notice) => notice.includes("daily API spending cap of $0.03 is reached")),
      "the cap's notice",
    );
    expectNotices([capLine]);
    await refusedTurn(4);
    expect(messageRequests(simulator)).toHaveLength(3);
    expectNotices([capLine]);
    rmSync(filler);
    await refusedTurn(5);
    filler = fill(join(home, "data"));
    await refusedTurn(6);
    expect(messageRequests(simulator)).toHaveLength(3);
    expectNotices([capLine]);

    await session.pressCtrlCTwice();
    await session.exited;
    expect(session.text()).toContain("SHELL-DONE");
    const read = (name: string) => readFileSync(out(name), "utf8").trim();
    expect(Number(read("status"))).toBe(0);
    expectTerminalRestored(session, { before: read("before"), after: read("after") });
    expect(said(session)).toEqual([
      // It ended on the daily cap's refusal: a resume would only meet it again, so none is offered.
      `claude-fallback: this run's API billing: $0.03 (details: claude-fallback usage run ${run.runId})`,
      `claude-fallback: could not write the usage ledger ${tiny}/data/usage.db: the disk is full; fix: free some space on its disk, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place; 1 API request of this run ($0.00) could not be written to it, so usage reports and the daily and monthly caps will not count it`,
    ]);
    await expectNoProcessLeft(session);
    const rows = ledger(
      (db) =>
        db
          .prepare("SELECT outcome, cost_nanousd AS cost FROM requests WHERE run_id = ? ORDER BY id")
          .all(run.runId),
      join(out("data"), "usage.db"),
    );
    // Every request the simulator billed, once, and the first refusal; the second is the one said above.
    expect(
      messageRequests(simulator).every((request) => request.billing === "api" && request.status === 200),
    ).toBe(true);
    expect(rows).toEqual([
      ...messageRequests(simulator).map(() => ({ outcome: "ok", cost: PER_REQUEST })),
      { outcome: "refused_cap", cost: 0 },
      { outcome: "refused_cap", cost: 0 },
    ]);
    expect(transcriptTexts(run.sessionId!)).toContain("question 6");
  });

  test("a run started on a full disk is refused in one line before claude starts", async () => {
    const tiny = join(sandbox.root, "tiny-home");
    mkdirSync(tiny);
    const script = [
      `mount -t tmpfs -o size=256k,mode=0700 tmpfs ${quote(tiny)}`,
      `cat /dev/zero > ${quote(tiny)}/filler 2>/dev/null`,
      'exec "$@"',
    ].join("; ");
    const result = await runProcess(
      "unshare",
      ["--user", "--map-root-user", "--mount", "/bin/sh", "-c", script, "sh", process.execPath, CLI].concat([
        "--claude",
        testedClaudeBinary(),
        "--",
        "-p",
        "hello",
      ]),
      {
        cwd: sandbox.project,
        env: fallbackEnv(sandbox, {
          CLAUDE_FALLBACK_HOME: tiny,
          CLAUDE_FALLBACK_CONFIG: join(home, "config.json"),
        }),
        timeoutMs: 60_000,
      },
    );
    expect(result.stderr).toBe(
      `claude-fallback: could not open the usage ledger ${tiny}/data/usage.db: the disk is full; fix: free some space on its disk, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place\n`,
    );
    expect(result.code).toBe(1);
    expect(messageRequests(simulator)).toEqual([]);
  });

  test("doctor says a full disk is full and a read-only one read-only, with fixes that can work (no chmod)", async () => {
    const tiny = join(sandbox.root, "tiny-home");
    mkdirSync(tiny);
    const doctor = (setup: string[]) =>
      runProcess(
        "unshare",
        ["--user", "--map-root-user", "--mount", "/bin/sh", "-c", [...setup, 'exec "$@"'].join("; ")].concat([
          "sh",
          process.execPath,
          CLI,
          "--claude",
          testedClaudeBinary(),
          "doctor",
        ]),
        {
          cwd: sandbox.project,
          env: fallbackEnv(sandbox, {
            CLAUDE_FALLBACK_HOME: tiny,
            CLAUDE_FALLBACK_CONFIG: join(home, "config.json"),
          }),
          timeoutMs: 60_000,
        },
      );
    const mount = `mount -t tmpfs -o size=256k,mode=0700 tmpfs ${quote(tiny)}`;
    const full = await doctor([mount, `cat /dev/zero > ${quote(tiny)}/filler 2>/dev/null`]);
    expect(full.stdout).toContain(
      `✗ usage ledger: ${tiny}/data/usage.db: the disk is full — fix: free some space on it, or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere\n`,
    );
    expect(full.code).toBe(1);
    const readOnly = await doctor([mount, `mount -o remount,ro ${quote(tiny)}`]);
    expect(readOnly.stdout).toContain(
      `✗ usage ledger: ${tiny}/data/usage.db is not writable (${tiny}) — fix: it is on a read-only file system, or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere\n`,
    );
    expect(readOnly.stdout).not.toContain("chmod");
  });
});

// ── e: damaged files ──────────────────────────────────────────────────────────────────────────

/** A ledger with some rows, cut in half: SQLite calls it malformed. */
function truncatedLedger(file: string): void {
  const made = openLedger(file);
  const runId = made.startRun({ startedAt: Date.now(), initialMode: "api" });
  for (let i = 0; i < 300; i++) {
    recordRow(made, {
      runId,
      at: Date.now(),
      outcome: "ok",
      requestId: `req_${i}`.padEnd(100, "x"),
      costNanoUsd: 1,
    });
  }
  made.db.pragma("wal_checkpoint(TRUNCATE)");
  made.close();
  truncateSync(file, Math.floor(statSync(file).size / 2));
}

describe("damaged files of claude-fallback", () => {
  for (const [form, damage] of [
    [
      "random bytes",
      (file: string) => writeFileSync(file, Buffer.alloc(16 * 1024, "\u00e9\u0001 not sqlite")),
    ],
    ["a truncated database", truncatedLedger],
  ] as const) {
    test(`a garbage state.json and a usage.db of ${form}: each moved aside with one line, and the run goes on`, async () => {
      const stateDir = join(home, "state");
      const dataDir = join(home, "data");
      mkdirSync(stateDir, { mode: 0o700 });
      mkdirSync(dataDir, { mode: 0o700 });
      writeFileSync(join(stateDir, "state.json"), '{"preferred_mode": "api", "last_li');
      damage(join(dataDir, "usage.db"));
      const damaged = readFileSync(join(dataDir, "usage.db"));

      // status shows what it cannot know as unknown, with the file and the fix; it moves nothing.
      const status = await runFallback(sandbox, ["status"]);
      expect(status.stdout).toMatch(
        /^API today: +unknown — usage ledger .* is damaged or not a SQLite database \(.*\); move it aside and a new one will be created$/m,
      );
      expect(status.stdout).toMatch(/^Limit: +unknown — state: .*state\.json is damaged/m);
      expect(status.code).toBe(0);

      const result = await runFallback(sandbox, ["--", "-p", "hello after the damage"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Simulated reply 1");
      // The damaged file's half-written `use api` is not taken for a choice: no API billing.
      expect(messageRequests(simulator).map((request) => request.billing)).toEqual(["subscription"]);
      const [stateAside] = readdirSync(stateDir).filter((name) => name.startsWith("state.json.corrupt-"));
      const [ledgerAside] = readdirSync(dataDir).filter((name) => /^usage\.db\.corrupt-[0-9TZ]+$/.test(name));
      expect(result.stderr.split("\n")).toEqual([
        `claude-fallback: the state file ${join(stateDir, "state.json")} was damaged; moved it to ${join(stateDir, stateAside!)} (a \`use\` preference or a limit it held is forgotten)`,
        expect.stringMatching(
          new RegExp(
            `^claude-fallback: usage ledger ${join(dataDir, "usage.db")} was damaged or not a SQLite database \\(.+\\); moved it to ${join(dataDir, ledgerAside!)} and started a new one$`,
          ),
        ),
        "",
      ]);
      expect(readFileSync(join(dataDir, ledgerAside!)).equals(damaged)).toBe(true);
      expect(ledger((db) => db.prepare("SELECT count(*) AS runs FROM runs").get())).toEqual({ runs: 1 });
      const after = await runFallback(sandbox, ["status", "--json"]);
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({
        preferred_mode: null,
        api_spend: { day: { requests: 0 } },
      });
    });
  }

  test("with a daily cap, a damaged ledger is not replaced behind the user's back: the run is refused in one line", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_day: 5 });
    const file = join(home, "data", "usage.db");
    mkdirSync(join(home, "data"), { mode: 0o700 });
    truncatedLedger(file);
    const damaged = readFileSync(file);
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hello"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^claude-fallback: usage ledger .* is damaged or not a SQLite database \(.+\); move it aside and a new one will be created \(not done automatically: cost_limit_per_day counts the spend it holds\)\n$/,
    );
    expect(readFileSync(file).equals(damaged)).toBe(true);
    expect(messageRequests(simulator)).toEqual([]);
  });
});

// ── f: what killed wrappers leave behind ──────────────────────────────────────────────────────

describe("leftovers of killed wrappers in the runtime directory", () => {
  test("a new run works beside them, clears those whose wrapper is gone, and leaves a live one's alone", async () => {
    const runtime = join(home, "run");
    const gone = spawnSync("true").pid!;
    const plant = (name: string, owner: number | null, ageMs = 0) => {
      const dir = join(runtime, name);
      mkdirSync(join(dir, "events"), { recursive: true, mode: 0o700 });
      mkdirSync(join(dir, "tmp"), { mode: 0o700 });
      // What a wrapper killed mid-run leaves: its settings (a dead hook endpoint), spool, status line.
      writeFileSync(
        join(dir, "settings.json"),
        '{"hooks":{"Stop":[{"hooks":[{"type":"http","url":"http://127.0.0.1:9/hook/Stop"}]}]}}',
      );
      writeFileSync(join(dir, "events", "1-0.json"), '{"hook_event_name":"SessionStart","session_id":"x"}');
      writeFileSync(join(dir, "statusline.json"), "{}");
      if (owner !== null) writeFileSync(join(dir, "owner.pid"), `${owner}\n`);
      if (ageMs > 0) utimesSync(dir, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
      return dir;
    };
    mkdirSync(runtime, { mode: 0o755 });
    plant("0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40", gone);
    plant("1b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d41", null, 10 * 60_000);
    const live = plant("2b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d42", process.pid);
    mkdirSync(join(home, "state", "runs"), { recursive: true, mode: 0o700 });
    const staleEntry = join(home, "state", "runs", "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40.json");
    writeFileSync(staleEntry, JSON.stringify({ runId: "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40", pid: gone }));

    const result = await runFallback(sandbox, ["--", "-p", "hello beside the leftovers"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Simulated reply 1");
    expect(runDirs()).toEqual([basename(live)]);
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    expect(existsSync(staleEntry)).toBe(false);
  });
});

// ── g: two wrappers in one directory ──────────────────────────────────────────────────────────

describe("two wrappers in the same directory at once", () => {
  test("both work, each with its own run directory; each session's hooks reach its own wrapper; the shared state stays sound", async () => {
    const traces = [join(sandbox.root, "trace-a.jsonl"), join(sandbox.root, "trace-b.jsonl")];
    const [a, b] = traces.map((trace) => start([], { CLAUDE_FALLBACK_TRACE: trace })) as [
      PtySession,
      PtySession,
    ];
    await Promise.all([a.waitFor("❯"), b.waitFor("❯")]);
    const [runA, runB] = await Promise.all([liveRunOf(a, a.process.pid), liveRunOf(b, b.process.pid)]);
    expect(runA.runId).not.toBe(runB.runId);
    expect(runA.sessionId).not.toBe(runB.sessionId);
    expect(runDirs()).toEqual([runA.runId, runB.runId].sort());

    await a.submit("a question in window A");
    await a.waitFor("Simulated reply 1");
    await a.waitUntil(() => hookEvents(traces[0]!).length === 2, "A's Stop hook at A's wrapper");
    expect(hookEvents(traces[0]!)).toEqual(["busy", "idle"]);
    expect(hookEvents(traces[1]!)).toEqual([]);

    await b.submit("a question in window B");
    await b.waitFor("Simulated reply 2");
    await b.waitUntil(() => hookEvents(traces[1]!).length === 2, "B's Stop hook at B's wrapper");
    expect(hookEvents(traces[1]!)).toEqual(["busy", "idle"]);
    expect(hookEvents(traces[0]!)).toEqual(["busy", "idle"]);
    expect(messageRequests(simulator).map((request) => request.sessionId)).toEqual([
      runA.sessionId,
      runB.sessionId,
    ]);

    const status = await runFallback(sandbox, ["status", "--json"]);
    expect(status.code).toBe(0);
    const sessionsSeen = (JSON.parse(status.stdout) as { sessions: { run_id: string; session_id: string }[] })
      .sessions;
    expect(sessionsSeen.map((s) => [s.run_id, s.session_id]).sort()).toEqual(
      [
        [runA.runId, runA.sessionId],
        [runB.runId, runB.sessionId],
      ].sort(),
    );

    expect((await Promise.all([a.quit(), b.quit()])).map((exit) => exit.exitCode)).toEqual([0, 0]);
    expect(runDirs()).toEqual([]);
    expect(liveRunFiles()).toEqual([]);
    const state = JSON.parse(readFileSync(join(home, "state", "state.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(state).toMatchObject({ preferred_mode: null, utilisation: { windows: expect.any(Object) } });
    await expectNoProcessLeft(a);
    expect(transcriptTexts(runA.sessionId!)).toContain("a question in window A");
    expect(transcriptTexts(runA.sessionId!)).not.toContain("window B");
    expect(transcriptTexts(runB.sessionId!)).toContain("a question in window B");
  });
});

// ── h: eight wrapped sessions, one ledger ─────────────────────────────────────────────────────

describe("eight wrapped sessions at once sharing one ledger", () => {
  test("every request the simulator billed is in the ledger once, and the totals are exactly what it billed", async () => {
    const PER_REQUEST = billTheSameForEveryRequest();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runFallback(sandbox, ["--force-api", "--", "-p", `parallel question ${i}`], fallbackEnv(sandbox), {
          timeoutMs: 150_000,
        }),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, result.stderr).toBe(0);
      // Nothing but the line every run that used API billing ends with.
      expect(result.stderr).toMatch(
        /^claude-fallback: this run's API billing: \$\d+\.\d+ \(details: claude-fallback usage run [0-9a-f-]{36}\); continue the conversation with: claude-fallback --claude \S+ resume [0-9a-f-]{36}\n$/,
      );
      expect(result.stdout).toContain(`parallel question ${i}`);
    }
    const billed = messageRequests(simulator);
    expect(billed.length).toBeGreaterThanOrEqual(8);
    for (const request of billed) expect([request.billing, request.status]).toEqual(["api", 200]);
    const sessionIds = new Set(billed.map((request) => request.sessionId));
    expect(sessionIds.size).toBe(8);

    const { runs, rows, total } = ledger((db) => ({
      runs: db.prepare("SELECT id, exit_code FROM runs").all() as { id: string; exit_code: number }[],
      rows: db.prepare("SELECT run_id, claude_session_id, outcome, cost_nanousd FROM requests").all() as {
        run_id: string;
        claude_session_id: string;
        outcome: string;
        cost_nanousd: number;
      }[],
      total: db.prepare("SELECT SUM(cost_nanousd) AS nano FROM requests").get() as { nano: number },
    }));
    expect(runs.map((run) => run.exit_code)).toEqual(Array(8).fill(0));
    expect(rows).toHaveLength(billed.length);
    expect(rows.every((row) => row.outcome === "ok" && row.cost_nanousd === PER_REQUEST)).toBe(true);
    expect(total.nano).toBe(billed.length * PER_REQUEST);
    // Each run's rows are its own claude's requests: one session per run.
    for (const run of runs) {
      const mine = new Set(rows.filter((row) => row.run_id === run.id).map((row) => row.claude_session_id));
      expect(mine.size).toBe(1);
    }
    expect(new Set(rows.map((row) => row.claude_session_id))).toEqual(sessionIds);
    const status = await runFallback(sandbox, ["status", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({
      api_spend: { day: { cost_nanousd: billed.length * PER_REQUEST, requests: billed.length } },
    });
  }, 180_000);
});

// ── a reader that goes away ─────────────────────────────────────────────────────────────────

/**
 * Runs `command` with its stdout (and stderr when `closeStderr`) closed by the reader before it
 * writes anything, as `… | head -1` or a parent that exits leaves them: every write is a broken pipe.
 */
async function withReaderGone(command: string[], { closeStderr = false } = {}) {
  const [program, ...args] = command as [string, ...string[]];
  const child = spawnTracked(program, args, { cwd: sandbox.project, env: fallbackEnv(sandbox) });
  child.stdin.end();
  child.stdout.destroy();
  if (closeStderr) child.stderr.destroy();
  let stderr = "";
  if (!closeStderr) child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stderr };
}

describe("a reader that goes away (`claude-fallback … | head -1`)", () => {
  const wrapped = (...args: string[]) => [process.execPath, CLI, "--claude", testedClaudeBinary(), ...args];

  test("a -p run goes on as bare claude does: the same exit code, no stack trace, the conversation and the run's records complete", async () => {
    const bare = await withReaderGone([testedClaudeBinary(), "-p", "question for no one"]);
    const result = await withReaderGone(wrapped("--", "-p", "question for no one"));
    expect(result).toEqual({ code: bare.code, stderr: "" });
    const [first, second] = messageRequests(simulator);
    expect(second?.status).toBe(200);
    expect(transcriptTexts(second!.sessionId!)).toContain("Simulated reply 2");
    expect(first!.sessionId).not.toBe(second!.sessionId);
    expect(liveRunFiles()).toEqual([]);
    expect(runDirs()).toEqual([]);
    expect(ledger((db) => db.prepare("SELECT exit_code FROM runs").all())).toEqual([
      { exit_code: bare.code },
    ]);
  });

  test("on API billing with stdout and stderr gone, every request billed is in the ledger", async () => {
    const result = await withReaderGone(wrapped("--force-api", "--", "-p", "paid question for no one"), {
      closeStderr: true,
    });
    expect(result.code).toBe(0);
    const billed = messageRequests(simulator);
    expect(billed.length).toBeGreaterThan(0);
    const { runs, requests } = ledger((db) => ({
      runs: db.prepare("SELECT exit_code FROM runs").all(),
      requests: db.prepare("SELECT count(*) AS n FROM requests WHERE outcome = 'ok'").get(),
    }));
    expect(runs).toEqual([{ exit_code: 0 }]);
    expect(requests).toEqual({ n: billed.length });
    expect(liveRunFiles()).toEqual([]);
  });

  test.each(["--help", "statusline --help", "usage", "status", "config show"])(
    "`%s` ends quietly with its own exit code",
    async (words) => {
      const result = await withReaderGone([process.execPath, CLI, ...words.split(" ")]);
      expect(result).toEqual({ code: 0, stderr: "" });
    },
  );
});

test("a --claude that is not Claude Code (/bin/true): the run says so instead of ending silently", async () => {
  const result = await runProcess(process.execPath, [CLI, "--claude", "/bin/true", "--", "-p", "hi"], {
    cwd: sandbox.project,
    env: fallbackEnv(sandbox),
    timeoutMs: 60_000,
  });
  expect(result.stderr).toBe(
    "claude-fallback: /bin/true may not be Claude Code: `claude --version` gave no version; running it anyway (check it with `claude-fallback doctor`)\n",
  );
  expect(result.code).toBe(0);
});

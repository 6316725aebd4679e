import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { type CoreFixture, coreFixture, limitHook } from "../../test/support/run-core.js";
import { parseStatusLineInput } from "../hooks/status-input.js";
import type { RunEvent } from "../notify/run-events.js";
import { readState, stateFile, updateState } from "../state/store.js";
import type { ClaudeLaunch, ShellPort } from "./run-core.js";

let fixture: CoreFixture | undefined;
afterEach(async () => {
  await fixture?.core.close();
  fixture?.cleanup();
  fixture = undefined;
});

/** A shell that starts nothing and keeps what it is shown. */
function stubShell(): ShellPort & { shown: [RunEvent | null, string][]; launches: ClaudeLaunch[] } {
  const shown: [RunEvent | null, string][] = [];
  const launches: ClaudeLaunch[] = [];
  return {
    shown,
    launches,
    start: async (launch) => {
      launches.push(launch);
    },
    stop: async () => {},
    show: (event, text) => shown.push([event, text]),
    childPid: () => null,
    kill: () => {},
  };
}

const cap = {
  cap: "session" as const,
  configKey: "cost_limit_per_session" as const,
  limitNanoUsd: 4e7,
  spentNanoUsd: 3.5e7,
};

describe("the run core", () => {
  test("what the gateway reports is said once on every channel and written once to the ledger", async () => {
    fixture = coreFixture("print", ["-p", "x"]);
    const shell = stubShell();
    await fixture.core.start(shell, { terminal: false });
    for (let i = 0; i < 3; i++) fixture.core.tell({ kind: "cap_warning", cap });
    expect(shell.shown.map(([event]) => event?.kind)).toEqual(["cap_warning"]);
    const rows = fixture.ledger.db.prepare("SELECT kind FROM events WHERE kind = 'cap_warning'").all();
    expect(rows).toHaveLength(1);
  });

  test.each([true, false])(
    "a switch is not made into a reached cap: this run's API spend counts (log_usage: %s)",
    async (logUsage) => {
      fixture = coreFixture("pty", [], { log_usage: logUsage, cost_limit_per_session: 0.01 });
      await fixture.core.start(stubShell(), { terminal: false });
      expect(fixture.core.reachedCapNow()).toBeNull();
      fixture.core.spending.tracker.queue({
        at: Date.now(),
        outcome: "ok",
        model: "m",
        costNanoUsd: 13_500_000,
      });
      expect(fixture.core.reachedCapNow()).toMatchObject({ cap: "session", spentNanoUsd: 13_500_000 });
      expect(fixture.core.policyNow()).toMatchObject({ decision: "notify", code: "cap_reached" });
    },
  );

  test("the first start: the user's arguments, our settings, a session id chosen by us, the starting mode", async () => {
    fixture = coreFixture("pty", ["--model", "sonnet"]);
    const shell = stubShell();
    await fixture.core.start(shell, { terminal: true });
    const [launch] = shell.launches;
    expect(launch?.mode).toBe("subscription");
    expect(launch?.restart).toBeNull();
    expect(launch?.args).toEqual([
      "--model",
      "sonnet",
      "--settings",
      expect.stringMatching(/settings\.json$/),
      "--session-id",
      fixture.core.sessionId,
    ]);
  });

  describe("what is read before claude starts", () => {
    /** How often the ledger's sums were read when claude was started. */
    async function sumsReadAtStart(config: Record<string, unknown>, claudeArgs: string[]) {
      fixture = coreFixture("print", claudeArgs, config);
      const reads = [vi.spyOn(fixture.ledger, "runSpend"), vi.spyOn(fixture.ledger, "spendSince")];
      const count = () => reads.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      let atStart = -1;
      const shell = stubShell();
      await fixture.core.start(
        {
          ...shell,
          // As the print shell does: whether output is held back is decided before claude starts.
          start: async (launch) => {
            fixture!.core.switchesAtLimit();
            atStart = count();
            await shell.start(launch);
          },
        },
        { terminal: false },
      );
      return atStart;
    }

    test("a run that cannot switch by itself starts claude without reading the spend", async () => {
      expect(await sumsReadAtStart({}, ["-p", "x"])).toBe(0);
    });

    test("with auto_switch, the caps are read first: a reached one means no switch, so -p output is not held", async () => {
      expect(await sumsReadAtStart({ auto_switch: true }, ["-p", "x"])).toBeGreaterThan(0);
    });
  });

  test("what killed wrappers left is cleared once claude is starting, and before the run's close returns", async () => {
    fixture = coreFixture("print", ["-p", "x"]);
    const leftover = join(fixture.core.options.paths.runtimeDir, "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40");
    mkdirSync(leftover, { recursive: true, mode: 0o700 });
    writeFileSync(join(leftover, "owner.pid"), `${spawnSync("true").pid}\n`);
    const shell = stubShell();
    let thereAtStart = false;
    await fixture.core.start(
      {
        ...shell,
        start: async (launch) => {
          thereAtStart = existsSync(leftover);
          await shell.start(launch);
        },
      },
      { terminal: false },
    );
    expect(thereAtStart).toBe(true);
    await fixture.core.close();
    expect(existsSync(leftover)).toBe(false);
  });
});

describe("a signal to the wrapper (SPEC §4.1)", () => {
  test("while it switches to API billing: no claude is started after it, and the run ends with 128+n", async () => {
    fixture = coreFixture("print", ["-p", "x"], { auto_switch: true });
    const { core } = fixture;
    const shell = stubShell();
    const killed: NodeJS.Signals[] = [];
    let running = true;
    let stopped!: () => void;
    const stopping = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    await core.start(
      {
        ...shell,
        childPid: () => (running ? 4242 : null),
        kill: (signal) => killed.push(signal),
        // The signal comes while the claude that met the limit is being stopped.
        stop: async () => {
          process.emit("SIGTERM", "SIGTERM");
          running = false;
          stopped();
        },
      },
      { terminal: false },
    );
    core.onHook(limitHook(core.sessionId!));
    await stopping;
    expect(await core.finished).toBe(143);
    expect(killed).toEqual(["SIGTERM"]);
    expect(shell.launches.map((launch) => launch.mode)).toEqual(["subscription"]);
  });

  test("while the switch sets up API billing, which then fails: the run still ends, with 128+n", async () => {
    // A key command that fails: the switch fails after the signal, with the old claude gone.
    fixture = coreFixture(
      "print",
      ["-p", "x"],
      { auto_switch: true, api_key_command: "exit 3" },
      { CLAUDE_FALLBACK_API_KEY: "" },
    );
    const { core } = fixture;
    const shell = stubShell();
    let running = true;
    await core.start(
      {
        ...shell,
        childPid: () => (running ? 4242 : null),
        kill: () => {
          // Claude ends of the signal a moment later, once; its end is not the run's while the switch is under way.
          if (!running) return;
          setImmediate(() => {
            running = false;
            core.claudeExited(143);
          });
        },
      },
      { terminal: false },
    );
    core.onHook(limitHook(core.sessionId!));
    process.emit("SIGTERM", "SIGTERM");
    expect(await core.finished).toBe(143);
    expect(shell.launches.map((launch) => launch.mode)).toEqual(["subscription"]);
  });

  test("with no claude running: the run ends at once with 128+n", async () => {
    fixture = coreFixture("stream-json", []);
    await fixture.core.start(stubShell(), { terminal: false });
    process.emit("SIGINT", "SIGINT");
    expect(await fixture.core.finished).toBe(130);
  });

  test("in a turn: claude gets it, and the run ends with 128+n once claude has ended (whatever its own status)", async () => {
    fixture = coreFixture("pty", []);
    const killed: NodeJS.Signals[] = [];
    await fixture.core.start(
      { ...stubShell(), childPid: () => 4242, kill: (signal) => killed.push(signal) },
      {
        terminal: true,
      },
    );
    process.emit("SIGHUP", "SIGHUP");
    expect(killed).toEqual(["SIGHUP"]);
    fixture.core.claudeExited(0);
    expect(await fixture.core.finished).toBe(129);
  });
});

describe("the model a switch to API billing goes on with", () => {
  /** A limit met with the status line saying Claude runs `model`; the arguments Claude is restarted with. */
  async function switchedArgs(
    shell: "pty" | "print",
    claudeArgs: string[],
    model = "claude-sonnet-5-5",
    userSettings: Record<string, unknown> | null = null,
  ) {
    fixture = coreFixture(shell, claudeArgs, { auto_switch: true });
    const { core } = fixture;
    if (userSettings) {
      mkdirSync(join(fixture.home, ".claude"), { recursive: true });
      writeFileSync(join(fixture.home, ".claude", "settings.json"), JSON.stringify(userSettings));
    }
    const stub = stubShell();
    await core.start(stub, { terminal: shell === "pty" });
    const input = parseStatusLineInput({
      session_id: core.sessionId,
      model: { id: model, display_name: "x" },
    });
    if (input) core.statusLineSeen(input);
    core.onHook(limitHook(core.sessionId!));
    await vi.waitFor(() => expect(stub.launches).toHaveLength(2), { timeout: 10_000 });
    expect(stub.launches[1]?.mode).toBe("api");
    return stub.launches[1]!.args;
  }

  test("the one on screen: a conversation whose only request met the limit has no reply to take it from", async () => {
    const args = await switchedArgs("pty", []);
    expect(args.slice(0, 2)).toEqual(["--model", "claude-sonnet-5-5"]);
  });

  test("the user's own --model stays as they gave it (an alias like opusplan is more than the model on screen)", async () => {
    const args = await switchedArgs("pty", ["--model", "opusplan"], "claude-opus-5-5");
    expect(args.filter((arg) => arg.includes("opus"))).toEqual(["opusplan"]);
  });

  test("a model the user set in their settings (opusplan there, as /model keeps it) stays theirs", async () => {
    const args = await switchedArgs("pty", [], "claude-sonnet-5-5", { model: "opusplan" });
    expect(args).not.toContain("--model");
  });

  test("a headless run has no status line: Claude's own choice, as before", async () => {
    const args = await switchedArgs("print", ["-p", "x"]);
    expect(args).not.toContain("--model");
  });
});

describe("a run that starts on API billing because the limit is in force", () => {
  const HOUR = 3_600_000;
  let dir: string | undefined;
  // The run lives in `dir` (CLAUDE_FALLBACK_HOME): it is closed before its directory goes (this
  // hook runs before the file's own, and a run still writing there made rmSync fail, ENOTEMPTY).
  afterEach(async () => {
    await fixture?.core.close();
    fixture?.cleanup();
    fixture = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** The first start's arguments, with a limit in force and the subscription's last model recorded. */
  async function firstStart(claudeArgs: string[], env: NodeJS.ProcessEnv = {}) {
    dir = mkdtempSync(join(tmpdir(), "cf-start-model-"));
    const now = Date.now();
    updateState(stateFile(join(dir, "state")), () => ({
      last_limit: { at: now - HOUR, resets_at: now + HOUR, window: "five_hour", assumed: false },
      subscription_model: "claude-sonnet-5-5",
    }));
    fixture = coreFixture("pty", claudeArgs, { auto_switch: true }, { CLAUDE_FALLBACK_HOME: dir, ...env });
    const shell = stubShell();
    await fixture.core.start(shell, { terminal: true });
    expect(shell.launches[0]?.mode).toBe("api");
    return shell.launches[0]!.args;
  }

  test("goes on with the model the subscription ran, not Claude Code's default for an API key", async () => {
    expect((await firstStart([])).slice(0, 2)).toEqual(["--model", "claude-sonnet-5-5"]);
  });

  test("a resumed conversation keeps its own model (Claude Code takes it from its last reply)", async () => {
    const args = await firstStart(["--resume", "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40"]);
    expect(args).not.toContain("--model");
  });

  test("a fork of a conversation (a new id of its own) keeps that conversation's model", async () => {
    const args = await firstStart([
      "--resume",
      "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40",
      "--fork-session",
      "--session-id",
      "5a6f9907-3a74-4d57-9073-6644c137973c",
    ]);
    expect(args).not.toContain("--model");
  });

  test("the user's own --model stays theirs", async () => {
    const args = await firstStart(["--model", "opus"]);
    expect(args).not.toContain("claude-sonnet-5-5");
    expect(args.slice(0, 2)).toEqual(["--model", "opus"]);
  });

  test("a model the user chose outside the arguments (ANTHROPIC_MODEL) stays theirs", async () => {
    const args = await firstStart([], { ANTHROPIC_MODEL: "claude-haiku-5" });
    expect(args).not.toContain("--model");
  });

  test("the model is learned from the status line on the subscription, for the next run", async () => {
    fixture = coreFixture("pty", []);
    await fixture.core.start(stubShell(), { terminal: true });
    const input = parseStatusLineInput({
      session_id: fixture.core.sessionId,
      model: { id: "claude-haiku-5" },
    });
    fixture.core.statusLineSeen(input!);
    const file = stateFile(fixture.core.options.paths.stateDir);
    await vi.waitFor(() => expect(readState(file).subscription_model).toBe("claude-haiku-5"));
  });
});

import { afterEach, describe, expect, test, vi } from "vitest";
import { writeClaudeTranscript } from "../../test/support/claude-home.js";
import { type CoreFixture, coreFixture, FakeChild, TEST_KEY, until } from "../../test/support/run-core.js";
import type { ChildOptions } from "../platform/child.js";
import { listLiveRuns } from "../state/runs.js";
import { PrintShell } from "./print.js";

const LIMIT_TEXT = "You've hit your 5-hour limit · resets 11pm (UTC)\n";

let fixture: CoreFixture | undefined;
afterEach(() => {
  fixture?.cleanup();
  fixture = undefined;
});

function setup(
  config: Record<string, unknown>,
  args: string[],
  ourCommand?: string,
  env: NodeJS.ProcessEnv = {},
  now?: () => number,
) {
  fixture = coreFixture("print", args, config, env, {
    ...(ourCommand ? { ourCommand } : {}),
    ...(now ? { now } : {}),
  });
  const children: FakeChild[] = [];
  let stdout = "";
  const stderr: string[] = [];
  const shell = new PrintShell(fixture.core, {
    stdout: (chunk) => {
      stdout += chunk.toString("utf8");
    },
    childStderr: (chunk) => stderr.push(`[claude] ${chunk.toString("utf8")}`),
    stderr: (line) => stderr.push(line),
    spawn: (_file: string, childArgs: readonly string[], options: ChildOptions) => {
      const child = new FakeChild(5000 + children.length, childArgs, options);
      children.push(child);
      return child;
    },
  });
  const exited = shell.run();
  return { core: fixture.core, children, exited, stdout: () => stdout, stderr };
}

function valueAfter(args: readonly string[], option: string): string | undefined {
  return args[args.indexOf(option) + 1];
}

describe("the print shell (claude -p)", () => {
  test("no limit: Claude's output, stderr and exit code pass through; the run is live while it runs", async () => {
    const { core, children, exited, stdout, stderr } = setup({}, ["-p", "hi"]);
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakeChild];
    expect(claude.options.stdin).toBe("inherit");
    expect(claude.args).toContain("--session-id");
    expect(JSON.stringify(claude.options.env)).not.toContain(TEST_KEY);
    expect(core.state.mode).toBe("subscription");
    // `status` lists a headless run like any other, with how it was started.
    const live = listLiveRuns(core.options.paths.stateDir);
    expect(live.map((run) => [run.shell, run.claudePid, run.sessionId])).toEqual([
      ["print", claude.pid, valueAfter(claude.args, "--session-id")],
    ]);
    claude.finish("the answer\n", 0, "a warning\n");
    expect(await exited).toBe(0);
    expect(stdout()).toBe("the answer\n");
    expect(stderr).toEqual(["[claude] a warning\n"]);
    expect(listLiveRuns(core.options.paths.stateDir)).toEqual([]);
  });

  test("at the limit with auto_switch the limited output is withheld and the continued run's replaces it", async () => {
    const { children, exited, stdout, stderr } = setup({ auto_switch: true }, ["-p", "summarise the repo"]);
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    children[0]!.finish(LIMIT_TEXT, 1);
    await until(() => children.length === 2, "the continuation");
    const continued = children[1]!;
    expect(continued.options.stdin).toBe("ignore");
    expect(continued.args.slice(-4)).toEqual(["--resume", sessionId, "--", "Continue where you left off."]);
    expect(continued.options.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^cf-gw/);
    writeClaudeTranscript(fixture!.core.options.env, sessionId);
    continued.finish("Simulated reply 2\n", 0);
    expect(await exited).toBe(0);
    expect(stdout()).toBe("Simulated reply 2\n");
    expect(stderr[0]).toMatch(
      /^claude-fallback: Subscription 5-hour limit reached; it resets .* Continuing on API billing\.$/,
    );
    expect(stderr.at(-1)).toBe(
      `claude-fallback: this run's API billing: $0.00 (details: claude-fallback usage run ${fixture!.core.options.runId}); continue the conversation with: claude-fallback resume ${sessionId}`,
    );
  });

  test("a switch that fails after the limited run ended (a slow key command that fails) passes its output and exit code through: no hang", async () => {
    const { children, exited, stdout, stderr } = setup(
      { auto_switch: true, api_key_command: "sleep 0.3; exit 3" },
      ["-p", "summarise the repo"],
      undefined,
      { CLAUDE_FALLBACK_API_KEY: undefined },
    );
    await until(() => children.length === 1, "claude to start");
    children[0]!.finish(LIMIT_TEXT, 1);
    // Before: the first run's end came while switching and was passed over; nothing ended the run.
    expect(await exited).toBe(1);
    expect(children).toHaveLength(1);
    expect(stdout()).toBe(LIMIT_TEXT);
    expect(stderr.some((line) => line.includes("could not switch to api billing"))).toBe(true);
    // The command would meet the same failing key command now: it is for once that is fixed.
    const hint = stderr.find((line) => line.includes("subscription limit reached"));
    expect(hint).toContain("once that is fixed, continue on API billing:");
    expect(hint).not.toContain("continue now");
  });

  describe("the end of a run on API billing offers resume only for a conversation that can go on", () => {
    async function continuedRun(beforeEnd: (sessionId: string) => void) {
      const run = setup({ auto_switch: true }, ["-p", "summarise the repo"]);
      await until(() => run.children.length === 1, "claude to start");
      const sessionId = valueAfter(run.children[0]!.args, "--session-id")!;
      run.children[0]!.finish(LIMIT_TEXT, 1);
      await until(() => run.children.length === 2, "the continuation");
      beforeEnd(sessionId);
      run.children[1]!.finish("API Error: 402 claude-fallback: …\n", 1);
      await run.exited;
      return run;
    }
    const summaryLines = (stderr: string[]) =>
      stderr.filter((line) => line.includes("this run's API billing"));
    const summary = () =>
      `claude-fallback: this run's API billing: $0.00 (details: claude-fallback usage run ${fixture!.core.options.runId})`;

    test("Claude wrote no transcript of it (an id that does not exist): no resume", async () => {
      const { stderr } = await continuedRun(() => {});
      expect(summaryLines(stderr)).toEqual([summary()]);
    });

    test("it ended on a refusal a resume would meet again: no resume, and the refusal Claude printed is not said twice", async () => {
      const refusal = "claude-fallback: the daily API spending cap of $1.00 is reached";
      const { stderr } = await continuedRun((sessionId) => {
        writeClaudeTranscript(fixture!.core.options.env, sessionId);
        fixture!.core.tell({
          kind: "cap_reached",
          cap: { cap: "day", configKey: "cost_limit_per_day", limitNanoUsd: 1e9, spentNanoUsd: 1e9 },
          message: refusal,
          refused: true,
        });
      });
      expect(stderr.filter((line) => line.includes("spending cap"))).toEqual([]);
      expect(summaryLines(stderr)).toEqual([summary()]);
    });
  });

  test("a per-model limit under auto_switch goes on free with the other model on the subscription", async () => {
    const { children, exited, stdout } = setup({ auto_switch: true }, ["-p", "refactor", "--model", "opus"]);
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    children[0]!.finish("You've hit your Opus limit · resets 11pm (UTC)\n", 1);
    await until(() => children.length === 2, "the continuation");
    const continued = children[1]!;
    expect(continued.args).toEqual(expect.arrayContaining(["--model", "sonnet", "--resume", sessionId]));
    expect(continued.args).not.toContain("opus");
    // The subscription: no gateway.
    expect(continued.options.env.ANTHROPIC_AUTH_TOKEN).toBeUndefined();
    continued.finish("answer on sonnet\n", 0);
    expect(await exited).toBe(0);
    expect(stdout()).toBe("answer on sonnet\n");
  });

  test("without auto_switch the limit text and exit code pass through with one hint line", async () => {
    const { children, exited, stdout, stderr } = setup({}, ["-p", "summarise"]);
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    children[0]!.finish(LIMIT_TEXT, 1);
    expect(await exited).toBe(1);
    expect(children).toHaveLength(1);
    expect(stdout()).toBe(LIMIT_TEXT);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(
      "set auto_switch: true to continue automatically, or continue now on API billing:",
    );
    expect(stderr[0]).toContain(
      `claude-fallback --force-api -- -p --resume ${sessionId} -- 'Continue where you left off.'`,
    );
  });

  test("the hint's command runs the same claude with the same config the run was given", async () => {
    const ours = "claude-fallback --config /home/u/cf.json --claude '/opt/my claude/claude'";
    const { children, exited, stderr } = setup({}, ["-p", "summarise"], ours);
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    children[0]!.finish(LIMIT_TEXT, 1);
    expect(await exited).toBe(1);
    expect(stderr[0]).toContain(
      `continue now on API billing: ${ours} --force-api -- -p --resume ${sessionId} -- `,
    );
  });

  test("without a key, the hint asks for auto_switch only when it is off", async () => {
    for (const autoSwitch of [false, true]) {
      const { children, exited, stderr } = setup({ auto_switch: autoSwitch }, ["-p", "x"], undefined, {
        CLAUDE_FALLBACK_API_KEY: "",
      });
      await until(() => children.length === 1, "claude to start");
      children[0]!.finish(LIMIT_TEXT, 1);
      expect(await exited).toBe(1);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]!.endsWith(", and set auto_switch: true")).toBe(!autoSwitch);
      fixture?.cleanup();
      fixture = undefined;
    }
  }, 20_000);

  test("a TZ that names no zone: the hint still comes and the run ends with claude's code", async () => {
    // Noon, so that "11pm" is today's whatever the hour the suite runs at.
    const noon = () => Date.UTC(2026, 11, 4, 12);
    const { children, exited, stderr } = setup(
      {},
      ["-p", "summarise"],
      undefined,
      { TZ: "Mars/Phobos" },
      noon,
    );
    await until(() => children.length === 1, "claude to start");
    children[0]!.finish(LIMIT_TEXT, 1);
    expect(await exited).toBe(1);
    // Times in UTC, which Date works in under such a TZ.
    expect(stderr).toEqual([
      expect.stringMatching(/^claude-fallback: subscription limit reached \(resets at 23:00\); /),
    ]);
  });

  test("a cap already reached: no switch into the refusal, and the hint names the cap", async () => {
    const { core, children, exited, stderr } = setup({ auto_switch: true, cost_limit_per_session: 0 }, [
      "-p",
      "x",
    ]);
    // A forecast of what continuing would cost is beside the point: the notice does not wait for one.
    const waited = vi.spyOn(core.forecast, "within");
    await until(() => children.length === 1, "claude to start");
    children[0]!.finish(LIMIT_TEXT, 1);
    expect(await exited).toBe(1);
    expect(children).toHaveLength(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain("per-session API spending cap of $0.00 is reached");
    expect(waited).not.toHaveBeenCalled();
  });

  test("a run that may switch holds text output back; one that cannot lets it flow as it comes", async () => {
    const held = setup({ auto_switch: true }, ["-p", "x"]);
    await until(() => held.children.length === 1, "claude to start");
    held.children[0]!.stdout.write("partial ");
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.stdout()).toBe("");
    held.children[0]!.finish("answer\n", 0);
    expect(await held.exited).toBe(0);
    expect(held.stdout()).toBe("partial answer\n");
    fixture?.cleanup();

    const flowing = setup({ auto_switch: false }, ["-p", "x"]);
    await until(() => flowing.children.length === 1, "claude to start");
    flowing.children[0]!.stdout.write("partial ");
    await until(() => flowing.stdout() === "partial ", "the output to flow");
    flowing.children[0]!.finish("answer\n", 0);
    expect(await flowing.exited).toBe(0);
  });
});

/**
 * The core story (SPEC §13) against the Claude Code that `CLAUDE_FALLBACK_TEST_CLAUDE` names, the pin
 * by default: what `npm run test:compat -- VERSION…` runs for each version, and what "verified" in
 * docs/compat.md means. Black box: the built command line, the real `claude`, the simulator.
 * Each case checks one thing a user relies on, so a failing version names what it breaks.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  CAPABILITIES,
  type CapabilityId,
  compatibility,
  startupNotice,
  VERIFIED_MAX,
  VERIFIED_MIN,
  versionAtLeast,
} from "../../src/claude/compat.js";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { eventually } from "../support/eventually.js";
import { killLiveProcesses, testedClaudeBinary, testedClaudeVersion } from "./harness/claude.js";
import { fallbackEnv, runFallback, spawnFallback, writeFallbackConfig } from "./harness/cli.js";
import { escapeRegExp, startMonitor } from "./harness/monitor.js";
import { PtySession } from "./harness/pty.js";
import { conversationOf, messageRequests, sessionOf } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";
import { PROMPT_READY, PROMPT_TITLE, reachLimit } from "./harness/story.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

async function startWrapped(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<PtySession> {
  await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, ...config });
  const session = spawnFallback(sandbox, [], fallbackEnv(sandbox, env));
  sessions.push(session);
  await session.waitFor("❯");
  return session;
}

/** The subscription request refused at the limit, and the API-billed ones of the same session after it. */
function limitedThenContinued() {
  const requests = messageRequests(simulator);
  const limited = requests.find((request) => request.status === 429);
  const continued = requests.filter(
    (request) => request.billing === "api" && request.seq > (limited?.seq ?? Number.POSITIVE_INFINITY),
  );
  return { requests, limited, continued };
}

/** `status --json`'s subscription windows: what wrapped runs learnt from Claude Code's status line. */
async function subscriptionWindows() {
  const status = await runFallback(sandbox, ["status", "--json"]);
  type Windows = { name: string; used_percentage: number; resets_at: string | null }[];
  return (JSON.parse(status.stdout) as { subscription: { windows: Windows } | null }).subscription?.windows;
}

const capability = (id: CapabilityId) => CAPABILITIES.find((entry) => entry.id === id)!;

describe(`Claude Code ${testedClaudeVersion()}`, () => {
  describe("headless -p at the limit with auto_switch: one coherent result on API billing", () => {
    beforeEach(async () => {
      simulator.configure({ limitAfterRequests: 0 });
      await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    });

    function expectSameSessionContinued(prompt: string): string {
      const { limited, continued } = limitedThenContinued();
      expect(limited?.billing).toBe("subscription");
      expect(continued.length).toBeGreaterThan(0);
      expect(continued.map(sessionOf)).toEqual(continued.map(() => sessionOf(limited!)));
      expect(conversationOf(continued.at(-1)!)).toContain(prompt);
      return sessionOf(limited!)!;
    }

    test("text", async () => {
      const result = await runFallback(sandbox, ["--", "-p", "summarise the repo"]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("Continuing on API billing");
      expect(result.stdout).not.toMatch(/hit your|limit/i);
      expect(result.stdout).toMatch(/^Simulated reply \d+/);
      expectSameSessionContinued("summarise the repo");
    });

    test("json", async () => {
      const result = await runFallback(sandbox, [
        "--",
        "-p",
        "summarise the repo",
        "--output-format",
        "json",
      ]);
      expect(result.code).toBe(0);
      const parsed = JSON.parse(result.stdout) as { is_error: boolean; result: string; session_id: string };
      expect(parsed.is_error).toBe(false);
      expect(parsed.result).toMatch(/Simulated reply \d+/);
      expect(parsed.session_id).toBe(expectSameSessionContinued("summarise the repo"));
    });

    test("stream-json", async () => {
      const result = await runFallback(sandbox, [
        "--",
        "-p",
        "summarise the repo",
        "--output-format",
        "stream-json",
        "--verbose",
      ]);
      expect(result.code).toBe(0);
      const events = result.stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(
          (line) =>
            JSON.parse(line) as {
              type: string;
              subtype?: string;
              is_error?: boolean;
              session_id?: string;
              rate_limit_info?: { status?: string };
            },
        );
      const sessionId = expectSameSessionContinued("summarise the repo");
      const inits = events.filter((event) => event.type === "system" && event.subtype === "init");
      expect(inits.map((event) => event.session_id)).toEqual([sessionId]);
      const results = events.filter((event) => event.type === "result");
      expect(results.map((event) => event.is_error)).toEqual([false]);
      expect(events.some((event) => event.rate_limit_info?.status === "rejected")).toBe(false);
    });
  });

  test("interactive: the limit prompt, y, the same conversation on API billing, and back on the subscription at the reset", async () => {
    simulator.configure({ resetInSeconds: 5 });
    const session = await startWrapped(
      { auto_revert_on_reset: true },
      { CLAUDE_FALLBACK_RESET_GRACE_SECONDS: "1" },
    );
    await reachLimit(session, simulator);
    await session.waitFor(PROMPT_READY);
    expect(session.text()).toContain(PROMPT_TITLE);
    // Where the table says Claude Code's status line runs again at the limit, the wrapper learns
    // the exact reset while it asks (`status --json` shows what it learnt) and goes back right
    // then; before, it knows the reset only from Claude's text, to the minute, and goes back at
    // the end of the printed minute: up to a minute after the real reset.
    const exact = versionAtLeast(testedClaudeVersion(), capability("reset_at_limit").since);
    if (exact) {
      const resetsAt = simulator.state().limit.resetsAt * 1000;
      await eventually(
        async () =>
          (await subscriptionWindows())?.some((w) => Date.parse(w.resets_at ?? "") === resetsAt) ?? false,
        "the exact reset from the status line in `status --json`",
        20_000,
      );
    }
    session.write("y");
    await session.waitUntil(() => limitedThenContinued().continued.length > 0, "an API-billed request");
    const { requests, limited, continued } = limitedThenContinued();
    expect(sessionOf(limited!)).toBe(sessionOf(requests[0]!));
    expect(sessionOf(continued[0]!)).toBe(sessionOf(limited!));
    expect(continued[0]?.headers["x-api-key"]).toBe(TEST_API_KEY);
    const conversation = conversationOf(continued[0]!);
    expect(conversation).toContain("first question about pineapples");
    expect(conversation).toContain("Continue where you left off.");
    await session.waitFor(/Simulated reply \d+ \(api\): Continue where you left off/);

    await session.waitUntil(
      () => session.raw.includes("Back on your subscription"),
      "the revert",
      exact ? 20_000 : 80_000,
    );
    // The resumed Claude replays the conversation (its `❯` lines too) before it takes input; its
    // status line is drawn once it does. Keys typed earlier reach a terminal not yet in raw mode.
    const revertedAt = session.raw.indexOf("Back on your subscription");
    await session.waitUntil(
      () => session.raw.includes("SUB", revertedAt),
      "the resumed Claude's status line",
    );
    const before = messageRequests(simulator).length;
    await session.submit("after the reset");
    await session.waitUntil(
      () =>
        messageRequests(simulator)
          .slice(before)
          .some((request) => request.status === 200),
      "a request after the revert",
    );
    const after = messageRequests(simulator).slice(before);
    expect(after.map((request) => request.billing)).toEqual(after.map(() => "subscription"));
    expect(conversationOf(after.at(-1)!)).toContain("first question about pineapples");
  }, 150_000);

  test("the status line's rate_limits reach `status --json`", async () => {
    const session = await startWrapped({});
    await session.submit("what is my utilisation");
    await session.waitFor("Simulated reply");
    let windows: Awaited<ReturnType<typeof subscriptionWindows>>;
    // What the wrapped run learnt from its status line, as `status` reports it; the run has no other source.
    await eventually(
      async () => {
        windows = await subscriptionWindows();
        return windows !== undefined;
      },
      "subscription utilisation in `status --json`",
      30_000,
    );
    expect(windows?.map((window) => window.name)).toEqual(expect.arrayContaining(["five_hour", "seven_day"]));
    const fiveHour = windows?.find((window) => window.name === "five_hour");
    expect(Date.parse(fiveHour?.resets_at ?? "")).toBeGreaterThan(Date.now());
  });

  test("doctor --json names this version against the verified range; a run below it says so in one line", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const doctor = await runFallback(sandbox, ["doctor", "--json"]);
    const report = JSON.parse(doctor.stdout) as { claude: Record<string, unknown> };
    const version = testedClaudeVersion();
    const { supported } = compatibility(version);
    expect(report.claude).toEqual({
      path: testedClaudeBinary(),
      version,
      verified_min: VERIFIED_MIN,
      verified_max: VERIFIED_MAX,
      supported,
    });
    const run = await runFallback(sandbox, ["--", "-p", "hello"]);
    expect(run.code).toBe(0);
    const said = run.stderr
      .split("\n")
      .filter((line) => line.includes(`Claude Code ${version} is older than`));
    expect(said).toEqual(supported ? [] : [startupNotice(version)]);
  });

  test("monitor --pid: a claude started by hand, its limit, the command to continue on API billing", async () => {
    const claude = new PtySession(testedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(claude);
    await claude.waitFor("❯");
    const monitor = startMonitor(sandbox, ["--pid", String(claude.process.pid)]);
    await monitor.waitFor(new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid}`)));
    await reachLimit(claude, simulator);
    const sessionId = sessionOf(messageRequests(simulator)[0]!);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await monitor.waitFor(new RegExp(escapeRegExp(`claude-fallback resume ${sessionId} --api`)));
    claude.kill();
    await claude.exited;
    expect(await monitor.exited).toBe(0);
  });
});

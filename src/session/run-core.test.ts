import { afterEach, describe, expect, test } from "vitest";
import { type CoreFixture, coreFixture } from "../../test/support/run-core.js";
import type { RunEvent } from "../notify/run-events.js";
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
    await fixture.core.start(shell, { withStatusLine: false });
    for (let i = 0; i < 3; i++) fixture.core.tell({ kind: "cap_warning", cap });
    expect(shell.shown.map(([event]) => event?.kind)).toEqual(["cap_warning"]);
    const rows = fixture.ledger.db.prepare("SELECT kind FROM events WHERE kind = 'cap_warning'").all();
    expect(rows).toHaveLength(1);
  });

  test.each([true, false])(
    "a switch is not made into a reached cap: this run's API spend counts (log_usage: %s)",
    async (logUsage) => {
      fixture = coreFixture("pty", [], { log_usage: logUsage, cost_limit_per_session: 0.01 });
      await fixture.core.start(stubShell(), { withStatusLine: false });
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
    await fixture.core.start(shell, { withStatusLine: true });
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
});

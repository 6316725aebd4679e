/**
 * The message table against the limit texts real Claude Code versions printed (docs/compat.md):
 * the pin's recorded fixtures (test/e2e/fixtures, written by the facts e2e test) and the older
 * forms seen while bisecting. A new pin's fixture that the table cannot read fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { classifyLine, classifyText } from "./classify.js";

const FIXTURES = new URL("../../test/e2e/fixtures/", import.meta.url);

interface Fixture {
  version: string;
  samples: { limitText: string; stopFailure: { last_assistant_message: string } };
}

const fixtures = readdirSync(FIXTURES)
  .filter((name) => /^claude-code-[\d.]+\.json$/.test(name))
  .map((name) => JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as Fixture);

describe("the recorded Claude Code fixtures", () => {
  test("there are some, the pin's among them", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(fixtures.map((fixture) => fixture.version)).toContain(
      pkg.devDependencies["@anthropic-ai/claude-code"],
    );
  });

  test.each(fixtures.map((fixture) => [fixture.version, fixture] as const))(
    "%s: its -p limit text and StopFailure message are a five_hour limit with a reset",
    (_version, fixture) => {
      expect(classifyLine(fixture.samples.limitText)).toMatchObject({ kind: "limit", window: "five_hour" });
      expect(classifyLine(fixture.samples.limitText)?.resetText).toMatch(/^\d{1,2}(:\d\d)?[ap]m \(UTC\)$/);
      expect(classifyText(fixture.samples.stopFailure.last_assistant_message)).toEqual([
        expect.objectContaining({ kind: "limit", window: "five_hour" }),
      ]);
    },
  );
});

test.each([
  ["2.1.78 – 2.1.144", "You've hit your limit · resets 11pm (UTC)", null],
  ["2.1.145 – 2.1.311", "You've hit your session limit · resets 7:05pm (UTC)", "five_hour"],
  ["2.1.312 +", "You've hit your 5-hour limit · resets 10:57pm (UTC)", "five_hour"],
])("the -p limit text of %s is a limit: %s", (_versions, text, window) => {
  expect(classifyLine(text)).toMatchObject({ kind: "limit", window });
});

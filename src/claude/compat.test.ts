import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  CAPABILITIES,
  compareVersions,
  compatibility,
  parseVersion,
  startupNotice,
  VERIFIED_MAX,
  VERIFIED_MIN,
  VERIFIED_ON,
  versionAtLeast,
} from "./compat.js";

const repoFile = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

test.each([
  ["2.1.330", "2.1.78", true],
  ["2.1.78", "2.1.78", true],
  ["2.1.77", "2.1.78", false],
  ["2.2.0", "2.1.330", true],
  ["10.0.0", "2.1.330", true],
  ["2.1.80", "2.1.330", false],
  ["2.1.100", "2.1.99", true],
  ["2.1.80 (Claude Code)", "2.1.80", true],
])("versionAtLeast(%s, %s) = %s", (version, min, expected) => {
  expect(versionAtLeast(version, min)).toBe(expected);
  expect(compareVersions(version, min) >= 0).toBe(expected);
});

test.each([
  ["2.1.332 (Claude Code)", [2, 1, 332]],
  ["v2.0.14", [2, 0, 14]],
  ["Claude Code", null],
  ["", null],
])("parseVersion(%j)", (text, expected) => {
  expect(parseVersion(text)).toEqual(expected);
});

describe("the table", () => {
  test("the range is a range, measured on the day it says", () => {
    expect(compareVersions(VERIFIED_MIN, VERIFIED_MAX)).toBeLessThanOrEqual(0);
    expect(VERIFIED_ON).toMatch(/^\d{4}-\d\d-\d\d$/);
  });

  test("capabilities are oldest first, and the core story's are all in the verified minimum", () => {
    const since = CAPABILITIES.map((capability) => capability.since);
    expect([...since].sort(compareVersions)).toEqual(since);
    for (const capability of CAPABILITIES.filter((c) => c.impact === "story")) {
      expect(versionAtLeast(VERIFIED_MIN, capability.since), capability.id).toBe(true);
    }
    // A story capability that came with the minimum is what makes it the minimum.
    expect(CAPABILITIES.some((c) => c.impact === "story" && c.since === VERIFIED_MIN)).toBe(true);
    expect(new Set(CAPABILITIES.map((c) => c.id)).size).toBe(CAPABILITIES.length);
  });

  test.each([
    [VERIFIED_MIN, true, false],
    [VERIFIED_MAX, true, false],
    ["2.9.0", true, true],
    ["2.1.79", false, false],
  ])("compatibility(%s): supported %s, newer than verified %s", (version, supported, newer) => {
    const found = compatibility(version);
    expect(found.supported).toBe(supported);
    expect(found.newerThanVerified).toBe(newer);
    expect(found.missing.every((capability) => !versionAtLeast(version, capability.since))).toBe(true);
  });
});

describe("startupNotice", () => {
  test.each([VERIFIED_MIN, VERIFIED_MAX, "2.9.0", "3.0.0 (Claude Code)"])("%s: nothing to say", (version) => {
    expect(startupNotice(version)).toBeNull();
  });

  test.each([null, "", "unknown"])("an unknown version (%j): nothing to say, no guess", (version) => {
    expect(startupNotice(version)).toBeNull();
  });

  test.each(
    CAPABILITIES.filter((capability) => capability.impact === "story").map((capability) => {
      const [major, minor, patch] = parseVersion(capability.since)!;
      return [`${major}.${minor}.${patch - 1}`, capability] as const;
    }),
  )("%s: one line naming the version, the minimum and what will not happen", (version, capability) => {
    const line = startupNotice(version)!;
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toContain(`Claude Code ${version} is older than ${VERIFIED_MIN}`);
    // The oldest capability it lacks is the one that says what breaks.
    const worst = compatibility(version).missing.find((c) => c.impact === "story");
    expect(line).toContain(worst!.without);
    expect(versionAtLeast(version, capability.since)).toBe(false);
  });

  test("below the StopFailure hook: it says an interactive run will neither switch nor switch back", () => {
    const stopFailure = CAPABILITIES.find((capability) => capability.id === "stop_failure_hook")!;
    const [major, minor, patch] = parseVersion(stopFailure.since)!;
    expect(startupNotice(`${major}.${minor}.${patch - 1}`)).toContain(
      "an interactive run neither switches nor switches back by itself",
    );
  });
});

describe("one source of truth", () => {
  test("the pinned dev dependency is the newest verified version", () => {
    const pkg = JSON.parse(repoFile("package.json")) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies["@anthropic-ai/claude-code"]).toBe(VERIFIED_MAX);
  });

  test("README states the verified range; docs/compat.md the range, the date and every capability", () => {
    expect(repoFile("README.md").replace(/\s+/g, " ")).toContain(
      `Claude Code ${VERIFIED_MIN} – ${VERIFIED_MAX}`,
    );
    const doc = repoFile("docs/compat.md");
    expect(doc).toContain(`verified_min: **${VERIFIED_MIN}**`);
    expect(doc).toContain(`verified_max: **${VERIFIED_MAX}**`);
    expect(doc).toContain(VERIFIED_ON);
    for (const capability of CAPABILITIES) {
      expect(doc).toMatch(
        new RegExp(`\\| ${capability.name} \\| ${capability.since.replaceAll(".", "\\.")} \\|`),
      );
    }
  });
});

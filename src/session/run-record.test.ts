import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { LimitInfo } from "../detect/limit.js";
import { stateFile, updateState } from "../state/store.js";
import { BestEffortWrites } from "./best-effort.js";
import { limitRecord, RunRecord } from "./run-record.js";

const HOUR = 3_600_000;
const now = Date.UTC(2030, 0, 1, 12);
const seen = (resetsAt: number, window: string | null = "five_hour", resetAssumed = false): LimitInfo => ({
  window,
  resetsAt,
  resetAssumed,
  source: "hook",
});
const recorded = (at: number, resetsAt: number) => ({
  at,
  resets_at: resetsAt,
  window: "five_hour",
  assumed: false,
});

describe("limitRecord", () => {
  test.each([
    ["none recorded: hit now", null, seen(now + 3 * HOUR), now],
    [
      "the same limit, in force: hit when first seen",
      recorded(now - HOUR, now + 3 * HOUR),
      seen(now + 3 * HOUR),
      now - HOUR,
    ],
    [
      "in force, with a reset now known to be later (the weekly window): still out since then",
      recorded(now - HOUR, now + HOUR),
      seen(now + 40 * HOUR, "seven_day"),
      now - HOUR,
    ],
    [
      "one that has reset: a new limit, hit now",
      recorded(now - 6 * HOUR, now - HOUR),
      seen(now + 4 * HOUR),
      now,
    ],
    ["one resetting right now: a new limit", recorded(now - 5 * HOUR, now), seen(now + 5 * HOUR), now],
    [
      "a record from the future (a clock set back): now",
      recorded(now + HOUR, now + 5 * HOUR),
      seen(now + 5 * HOUR),
      now,
    ],
  ])("%s", (_name, known, limit, at) => {
    expect(limitRecord(known, limit, now)).toEqual({
      at,
      resets_at: limit.resetsAt,
      window: limit.window,
      assumed: limit.resetAssumed,
    });
  });
});

describe("RunRecord.windows", () => {
  test("a window whose reset has passed is left out (the menu's usage page, the status line)", () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-run-record-"));
    try {
      updateState(stateFile(dir), () => ({
        utilisation: {
          at: now - HOUR,
          windows: {
            five_hour: { used_percentage: 100, resets_at: now - 60_000 },
            seven_day: { used_percentage: 25, resets_at: now + 100 * HOUR },
          },
        },
      }));
      const paths = { defaultConfigFile: "", stateDir: dir, dataDir: dir, runtimeDir: dir, cacheDir: dir };
      const record = new RunRecord({
        paths,
        runId: "r",
        cwd: dir,
        shell: "pty",
        startedAt: now,
        writes: new BestEffortWrites(() => {}),
        now: () => now,
      });
      expect(record.windows()).toEqual([
        { name: "seven_day", usedPercentage: 25, resetsAt: now + 100 * HOUR },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

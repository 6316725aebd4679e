import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { writeFileAtomicSync } from "../platform/atomic-file.js";
import { readState, setAsideDamagedState, stateFile, updateState } from "./store.js";

let dir: string;
let file: string;
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-state-"));
  file = stateFile(dir);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("a damaged state file", () => {
  for (const [what, content] of [
    ["garbage", "\u0000\u0001 not json {"],
    ["truncated JSON", '{"preferred_mode": "api", "preferred_mo'],
    ["JSON of the wrong shape", '{"preferred_mode": 42}'],
    // Valid JSON numbers, but no Date holds them: `status` threw "Invalid time value" showing them.
    [
      "a reset beyond any date",
      '{"last_limit": {"at": 1796619289764, "resets_at": 1e300, "window": "five_hour", "assumed": false}}',
    ],
    ["a `use` time beyond any date", '{"preferred_mode": "api", "preferred_mode_set_at": -9e15}'],
  ] as const) {
    test(`${what} is moved aside with one line saying where, and the state starts empty`, () => {
      writeFileSync(file, content);
      const notice = setAsideDamagedState(file, T0);
      const aside = `${file}.corrupt-20261124T120000Z`;
      expect(notice).toBe(
        `the state file ${file} was damaged; moved it to ${aside} (a \`use\` preference or a limit it held is forgotten)`,
      );
      expect(readFileSync(aside, "utf8")).toBe(content);
      expect(readdirSync(dir)).toEqual(["state.json.corrupt-20261124T120000Z"]);
      expect(readState(file).preferred_mode).toBeNull();
      updateState(file, () => ({ preferred_mode: "subscription" }));
      expect(readState(file).preferred_mode).toBe("subscription");
    });
  }

  test("a valid or missing file is left alone", () => {
    expect(setAsideDamagedState(file, T0)).toBeNull();
    updateState(file, () => ({ preferred_mode: "api", preferred_mode_set_at: T0 }));
    const before = readFileSync(file, "utf8");
    expect(setAsideDamagedState(file, T0)).toBeNull();
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});

describe("writeFileAtomicSync", () => {
  test("a write that fails leaves the target as it was and no temporary file behind", () => {
    const target = join(dir, "target");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "x");
    expect(() => writeFileAtomicSync(target, "new content")).toThrow();
    expect(readdirSync(dir)).toEqual(["target"]);
    writeFileAtomicSync(file, "one");
    writeFileAtomicSync(file, "two");
    expect(readFileSync(file, "utf8")).toBe("two");
    expect(readdirSync(dir).sort()).toEqual(["state.json", "target"]);
  });
});

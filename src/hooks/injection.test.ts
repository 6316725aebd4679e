import { describe, expect, test } from "vitest";
import type { SessionChoice } from "../claude/args.js";
import { needsSessionStartHook } from "./injection.js";

describe("needsSessionStartHook", () => {
  test.each<[SessionChoice, boolean, boolean]>([
    // In a terminal /clear and /resume change the conversation: always.
    [{ kind: "new" }, true, true],
    [{ kind: "id", id: "x" }, true, true],
    [{ kind: "resume", id: "x" }, true, true],
    [{ kind: "resume-picker" }, true, true],
    [{ kind: "continue" }, true, true],
    // Headless: only where Claude alone knows the id.
    [{ kind: "new" }, false, false],
    [{ kind: "id", id: "x" }, false, false],
    [{ kind: "resume", id: "x" }, false, false],
    [{ kind: "resume-picker" }, false, true],
    [{ kind: "continue" }, false, true],
  ])("%j, terminal %s → %s", (session, terminal, expected) => {
    expect(needsSessionStartHook(session, { terminal })).toBe(expected);
  });
});

import { afterEach, describe, expect, test, vi } from "vitest";
import { UsageError } from "../errors.js";
import { main } from "./program.js";
import { resumePlan } from "./resume.js";

const ID = "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("resumePlan", () => {
  test.each([
    [{}, [], { args: ["--resume", ID], forceApi: false }],
    [{ api: true }, [], { args: ["--resume", ID], forceApi: true }],
    [
      {},
      ["-p", "carry on", "--model", "opus"],
      { args: ["--resume", ID, "-p", "carry on", "--model", "opus"], forceApi: false },
    ],
    [
      { api: true },
      ["-p", "--resume is text here"],
      { args: ["--resume", ID, "-p", "--resume is text here"], forceApi: true },
    ],
  ])("%j %j", (flags, rest, expected) => {
    expect(resumePlan(ID, flags, rest)).toEqual(expected);
    expect(resumePlan(ID.toUpperCase(), flags, rest).args[1]).toBe(ID.toUpperCase());
  });

  test.each(["", "latest", "0b6c4b7e", `${ID}x`, `x${ID}`, "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d4g"])(
    "rejects %j as a session id",
    (id) => {
      expect(() => resumePlan(id, {}, [])).toThrow(UsageError);
      expect(() => resumePlan(id, {}, [])).toThrow(/is not a Claude Code session id/);
    },
  );

  test.each([[["--resume", ID]], [["-c"]], [["--continue"]], [["--session-id", ID]], [["-r"]]])(
    "rejects claude arguments that choose another session: %j",
    (rest) => {
      expect(() => resumePlan(ID, {}, rest)).toThrow(/must not choose a session/);
    },
  );
});

test("through the command line a bad id exits 2 with one line, before anything runs", async () => {
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  expect(await main(["resume", "not-a-session", "--", "-p", "hi"])).toBe(2);
  const written = stderr.mock.calls.map(([text]) => String(text)).join("");
  expect(written).toMatch(/^claude-fallback: resume: "not-a-session" is not a Claude Code session id.*\n$/);
});

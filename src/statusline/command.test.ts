import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runStatusline, type StatuslineStateFile } from "./command.js";

let root: string;
let stateFile: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "cf-statusline-"));
  stateFile = join(root, "state.json");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

// 2030-01-01T10:00:00Z
const now = Date.UTC(2030, 0, 1, 10, 0);
const inFiveHours = Math.floor(now / 1000) + 5 * 3600;
const env = { LANG: "en_US.UTF-8" };

function input(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ session_id: "s1", transcript_path: "/t.jsonl", ...fields });
}

async function run(stdin: string | Readable, state?: StatuslineStateFile | string, extraEnv = {}) {
  if (state !== undefined)
    writeFileSync(stateFile, typeof state === "string" ? state : JSON.stringify(state));
  let written = "";
  const line = await runStatusline({
    stdin,
    stateFile,
    out: {
      write: (text: string) => {
        written += text;
      },
    },
    zone: "UTC",
    now,
    env: { ...env, ...extraEnv },
  });
  return { line, written };
}

describe("claude-fallback statusline", () => {
  test("shows subscription utilisation from stdin when there is no state file", async () => {
    const stdin = input({
      rate_limits: { five_hour: { used_percentage: 63, resets_at: String(inFiveHours) } },
    });
    expect(await run(stdin)).toEqual({ line: "SUB 63% ⟳15:00", written: "SUB 63% ⟳15:00\n" });
  });

  test("reads a stream as stdin", async () => {
    const stdin = input({ rate_limits: { seven_day: { used_percentage: 9 } } });
    expect(
      (await run(Readable.from([Buffer.from(stdin.slice(0, 7)), Buffer.from(stdin.slice(7))]))).line,
    ).toBe("SUB 9%");
  });

  test("a limit in force (state) or a full window (stdin) shows the limit form", async () => {
    expect((await run(input(), { mode: "subscription", limit_resets_at: inFiveHours })).line).toBe(
      "SUB limit ⟳15:00",
    );
    const full = input({ rate_limits: { five_hour: { used_percentage: 100, resets_at: inFiveHours } } });
    expect((await run(full, {})).line).toBe("SUB limit ⟳15:00");
    // A limit whose reset has passed is over.
    const past = { mode: "subscription" as const, limit_resets_at: Math.floor(now / 1000) - 60 };
    expect((await run(input({ rate_limits: { five_hour: { used_percentage: 3 } } }), past)).line).toBe(
      "SUB 3%",
    );
  });

  test("api mode of this session shows spend against the cap", async () => {
    const state = { mode: "api" as const, session_id: "s1", run_spend_usd: 1.24, cap_usd: 10 };
    expect((await run(input(), state)).line).toBe("API $1.24/$10");
    expect((await run(input(), { ...state, cap_usd: null })).line).toBe("API $1.24");
    expect((await run(input(), { ...state, limit_resets_at: inFiveHours })).line).toBe(
      "API $1.24/$10 ⟳15:00",
    );
  });

  test("api state of another session does not describe this one", async () => {
    const state = { mode: "api" as const, session_id: "other", run_spend_usd: 1.24, cap_usd: 10 };
    const stdin = input({ rate_limits: { five_hour: { used_percentage: 20 } } });
    expect((await run(stdin, state)).line).toBe("SUB 20%");
  });

  test("prints nothing when nothing is known, and never fails on bad input", async () => {
    expect(await run(input())).toEqual({ line: "", written: "" });
    expect(await run("not json", "not json either")).toEqual({ line: "", written: "" });
    expect(await run("", "[]")).toEqual({ line: "", written: "" });
  });

  test("prints nothing under our injected status line (it shows the segment itself)", async () => {
    const stdin = input({ rate_limits: { five_hour: { used_percentage: 63 } } });
    expect(await run(stdin, undefined, { CLAUDE_FALLBACK_STATUSLINE: "wrapped" })).toEqual({
      line: "",
      written: "",
    });
  });

  test("ASCII without a UTF-8 locale", async () => {
    const stdin = input({ rate_limits: { five_hour: { used_percentage: 63, resets_at: inFiveHours } } });
    expect((await run(stdin, undefined, { LANG: "C" })).line).toBe("SUB 63% @15:00");
  });
});

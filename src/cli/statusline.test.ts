import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { buildFastProgram, commandOf, fastMain } from "./fast-path.js";
import { buildProgram } from "./program.js";
import { standaloneState, statuslineCommand } from "./statusline.js";

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cf-statusline-cli-"));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

// 2030-01-01T10:00:00Z
const now = Date.UTC(2030, 0, 1, 10, 0);
const HOUR = 3600_000;

function writeState(state: unknown): void {
  mkdirSync(join(home, "state"), { recursive: true });
  writeFileSync(join(home, "state", "state.json"), typeof state === "string" ? state : JSON.stringify(state));
}

async function run(stdin: string, extraEnv: Record<string, string> = {}) {
  let out = "";
  const line = await statuslineCommand({
    stdin,
    write: (text) => {
      out += text;
    },
    env: { CLAUDE_FALLBACK_HOME: home, LANG: "en_US.UTF-8", TZ: "UTC", ...extraEnv },
    now,
  });
  return { line, out };
}

const input = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: "s1", transcript_path: "/t.jsonl", ...fields });
const limit = (resetsAt: number) => ({
  last_limit: { at: now - HOUR, resets_at: resetsAt, window: null, assumed: false },
});

describe("standaloneState", () => {
  test.each([
    ["no file", null, null],
    ["not JSON", "{", null],
    ["no limit", JSON.stringify({ preferred_mode: "api" }), null],
    ["a limit in force", JSON.stringify(limit(now + HOUR)), { limit_resets_at: now + HOUR }],
    ["a limit that has reset", JSON.stringify(limit(now - 1)), null],
    ["a malformed limit", JSON.stringify({ last_limit: { resets_at: "soon" } }), null],
  ])("%s", (_name, text, expected) => {
    expect(standaloneState(text, now)).toEqual(expected);
  });
});

describe("statuslineCommand", () => {
  test("utilisation from stdin when no state exists", async () => {
    const stdin = input({
      rate_limits: { five_hour: { used_percentage: 63, resets_at: (now + 5 * HOUR) / 1000 } },
    });
    expect(await run(stdin)).toEqual({ line: "SUB 63% ⟳15:00", out: "SUB 63% ⟳15:00\n" });
  });

  test("a limit recorded in our state wins over stdin's utilisation", async () => {
    writeState(limit(now + 2 * HOUR));
    const stdin = input({ rate_limits: { five_hour: { used_percentage: 40 } } });
    expect((await run(stdin)).line).toBe("SUB limit ⟳12:00");
  });

  test("ASCII without a UTF-8 locale", async () => {
    writeState(limit(now + 2 * HOUR));
    expect((await run(input(), { LANG: "C" })).line).toBe("SUB limit @12:00");
  });

  test("quiet under a wrapped run (our injected status line shows the segment)", async () => {
    writeState(limit(now + 2 * HOUR));
    expect(await run(input(), { CLAUDE_FALLBACK_STATUSLINE: "wrapped" })).toEqual({ line: "", out: "" });
  });

  test("garbage on stdin and no state: nothing, no error", async () => {
    expect(await run("not json")).toEqual({ line: "", out: "" });
  });
});

describe("fast path", () => {
  test.each([
    [["statusline"], "statusline"],
    [["--config", "statusline", "status"], "status"],
    [["--claude=/x", "statusline", "--help"], "statusline"],
    [["--", "statusline"], null],
    [["--force-api", "--", "-p", "hi"], null],
    [[], null],
  ])("commandOf(%j) = %j", (argv, expected) => {
    expect(commandOf(argv)).toBe(expected);
  });

  test("the light program has the full program's global options and statusline command", async () => {
    const describe = (options: readonly { flags: string; description: string }[]) =>
      options.map((option) => [option.flags, option.description]);
    const full = await buildProgram();
    const fast = buildFastProgram();
    expect(describe(fast.options)).toEqual(describe(full.options));
    expect(fast.name()).toBe(full.name());
    const statusline = (program: typeof full) => program.commands.find((c) => c.name() === "statusline");
    expect(statusline(fast)?.helpInformation()).toBe(statusline(full)?.helpInformation());
  });

  test("other commands are left to the full program", async () => {
    expect(await fastMain(["status", "--json"])).toBeNull();
    expect(await fastMain(["--version", "status"])).toBeNull();
  });
});

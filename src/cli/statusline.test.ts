import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { buildFastProgram } from "./fast-path.js";
import { buildProgram } from "./program.js";
import { standaloneState, statuslineCommand } from "./statusline.js";
import { CONFIG_BROKEN_MARK, configNotice, withConfigNotice } from "./statusline-config.js";

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
    cwd: home,
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

  test.each(["Europe/Paris", ":Europe/Paris", "/usr/share/zoneinfo/Europe/Paris"])(
    "the reset in the zone of TZ=%s",
    async (tz) => {
      const stdin = input({
        rate_limits: { five_hour: { used_percentage: 63, resets_at: (now + 5 * HOUR) / 1000 } },
      });
      expect((await run(stdin, { TZ: tz })).line).toBe("SUB 63% ⟳16:00");
    },
  );

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

describe("a broken config on the status line", () => {
  const configFile = () => join(home, "config.json");
  const utilisation = input({ rate_limits: { five_hour: { used_percentage: 63 } } });

  test("the segment still shows; why is said in full once, then a short mark", async () => {
    writeFileSync(configFile(), '{ "auto_switch": tru }');
    const first = await run(utilisation);
    expect(first.line).toMatch(
      /^SUB 63% · claude-fallback: config file .*config\.json: invalid JSON at line 1, column \d+: .* \(claude-fallback config validate lists every problem\)$/,
    );
    expect(first.out).toBe(`${first.line}\n`);
    expect((await run(utilisation)).line).toBe("SUB 63% · claude-fallback: config invalid");
    expect((await run("")).line).toBe("claude-fallback: config invalid");
  });

  test("a rule broken, not only the JSON: the same message as every other command", async () => {
    writeFileSync(configFile(), JSON.stringify({ cost_limit_per_session: -1 }));
    expect((await run(utilisation)).line).toMatch(
      /^SUB 63% · claude-fallback: config file .*config\.json: cost_limit_per_session is -1: out of range/,
    );
  });

  test("fixed, then broken again: nothing, then why in full again", async () => {
    writeFileSync(configFile(), "{");
    await run(utilisation);
    writeFileSync(configFile(), JSON.stringify({ auto_switch: true }));
    expect((await run(utilisation)).line).toBe("SUB 63%");
    writeFileSync(configFile(), '{"auto_switch": 1}');
    expect((await run(utilisation)).line).toMatch(/ · claude-fallback: config file .*auto_switch/);
  });

  test("a $CLAUDE_FALLBACK_CONFIG or --config that names no file is broken too", async () => {
    const missing = join(home, "nope.json");
    expect((await run(utilisation, { CLAUDE_FALLBACK_CONFIG: missing })).line).toContain(
      `config file not found: ${missing}`,
    );
    let out = "";
    await statuslineCommand({
      stdin: utilisation,
      write: (text) => {
        out += text;
      },
      env: { CLAUDE_FALLBACK_HOME: home, TZ: "UTC" },
      configFlag: "other.json",
      cwd: home,
      now,
    });
    expect(out).toContain(`config file not found: ${join(home, "other.json")}`);
  });

  test("where the verdict cannot be remembered, why is said every time", async () => {
    writeFileSync(configFile(), "{");
    writeFileSync(join(home, "state"), "a file where the state directory should be");
    expect((await run(utilisation)).line).toContain("invalid JSON");
    expect((await run(utilisation)).line).toContain("invalid JSON");
  });

  test("nothing is said under a wrapped run", async () => {
    writeFileSync(configFile(), "{");
    expect(await run(utilisation, { CLAUDE_FALLBACK_STATUSLINE: "wrapped" })).toEqual({ line: "", out: "" });
  });
});

describe("configNotice", () => {
  const validated: string[] = [];
  const problemOf = (problem: string | null) => async () => {
    validated.push(problem ?? "valid");
    return problem;
  };
  beforeEach(() => {
    validated.length = 0;
  });

  test("no config file at the default location: nothing validated (zod is not loaded)", async () => {
    expect(
      await configNotice({ env: { CLAUDE_FALLBACK_HOME: home } }, join(home, "state"), problemOf("x")),
    ).toBeNull();
    expect(validated).toEqual([]);
  });

  test("a valid config is validated once while it stays the same file", async () => {
    writeFileSync(join(home, "config.json"), "{}");
    const options = { env: { CLAUDE_FALLBACK_HOME: home } };
    for (let i = 0; i < 3; i++)
      expect(await configNotice(options, join(home, "state"), problemOf(null))).toBeNull();
    expect(validated).toEqual(["valid"]);
    writeFileSync(join(home, "config.json"), '{"auto_switch": true}');
    await configNotice(options, join(home, "state"), problemOf(null));
    expect(validated).toEqual(["valid", "valid"]);
  });

  test("the mark and the words", () => {
    expect(withConfigNotice("", null)).toBe("");
    expect(withConfigNotice("SUB 5%", null)).toBe("SUB 5%");
    expect(withConfigNotice("SUB 5%", { problem: "p", sayWhy: false })).toBe(
      `SUB 5% · claude-fallback: ${CONFIG_BROKEN_MARK}`,
    );
    expect(withConfigNotice("", { problem: "p", sayWhy: true })).toBe(
      "claude-fallback: p (claude-fallback config validate lists every problem)",
    );
  });
});

describe("fast path", () => {
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
});

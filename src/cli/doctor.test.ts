import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive, killLeftover, recordedPid } from "../../test/support/processes.js";
import { fieldNames, fieldPaths, readmeJsonDocs } from "../../test/support/readme.js";
import { CAPABILITIES, VERIFIED_MAX, VERIFIED_MIN } from "../claude/compat.js";
import { openLedger } from "../usage/ledger.js";
import { doctorCommand, formatCheck, runChecks } from "./doctor.js";
import { buildProgram } from "./program.js";

const KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-WXYZ";
let root: string;
let home: string;
let claudeDir: string;
let managed: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cf-doctor-"));
  home = join(root, "fallback");
  claudeDir = join(root, "claude-config");
  managed = join(root, "managed-settings.json");
  mkdirSync(home);
  mkdirSync(claudeDir);
  mkdirSync(join(root, "project"));
});

afterEach(() => {
  vi.restoreAllMocks();
  killLeftover(join(root, "sleep.pid"));
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});

function fakeClaude(output: string): string {
  const path = join(root, `claude-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, `#!/bin/sh\n${output ? `echo '${output}'` : "exit 0"}\n`);
  chmodSync(path, 0o755);
  return path;
}

function writeConfig(config: Record<string, unknown>, mode = 0o600): void {
  const path = join(home, "config.json");
  writeFileSync(path, JSON.stringify(config));
  chmodSync(path, mode);
}

function env(extra: Record<string, string> = {}) {
  return {
    CLAUDE_FALLBACK_HOME: home,
    CLAUDE_CONFIG_DIR: claudeDir,
    PATH: "/nonexistent",
    LANG: "C.UTF-8",
    ...extra,
  };
}

async function doctor(
  options: {
    claude?: string;
    online?: boolean;
    json?: boolean;
    env?: Record<string, string>;
    fetch?: typeof fetch;
    versionTimeoutMs?: number;
  } = {},
) {
  let out = "";
  const code = await doctorCommand(
    {
      claude: options.claude ?? fakeClaude("2.1.330 (Claude Code)"),
      online: options.online,
      json: options.json,
    },
    {
      env: options.env ?? env(),
      cwd: join(root, "project"),
      write: (text) => (out += text),
      managedSettingsFiles: [managed],
      ...(options.versionTimeoutMs !== undefined && { versionTimeoutMs: options.versionTimeoutMs }),
      fetch:
        options.fetch ??
        (vi.fn(() => Promise.reject(new Error("no network in tests"))) as unknown as typeof fetch),
    },
  );
  return { code, out, lines: out.trimEnd().split("\n") };
}

describe("doctor", () => {
  test("all good: every line ✓, exit 0, and nothing contacted", async () => {
    writeConfig({ api_key: KEY });
    const fetch = vi.fn();
    const { code, lines, out } = await doctor({ fetch: fetch as unknown as typeof globalThis.fetch });
    expect(code).toBe(0);
    expect(fetch).not.toHaveBeenCalled();
    expect(lines.at(-1)).toBe("all checks passed");
    expect(lines.slice(0, -1).every((line) => line.startsWith("✓ "))).toBe(true);
    expect(out).toContain(`✓ config: ${join(home, "config.json")} is valid`);
    expect(out).toMatch(
      new RegExp(`✓ claude: .*claude-\\w+ \\(2\\.1\\.330; verified ${VERIFIED_MIN} – ${VERIFIED_MAX}\\)`),
    );
    expect(out).toContain("✓ StopFailure hook (the most reliable limit signal): supported (since 2.1.78)");
    expect(out).toContain(
      "✓ status line rate_limits (subscription utilisation and reset times): supported (since 2.1.80)",
    );
    expect(out).toContain("✓ API key: api_key in the config sk-ant-…WXYZ");
    expect(out).toContain(`✓ usage ledger: ${join(home, "data", "usage.db")} can be created`);
    expect(out).not.toContain(KEY);
  });

  test.each([
    ["2.1.77", ["claude", "StopFailure hook", "status line rate_limits"]],
    ["2.1.79", ["claude", "status line rate_limits"]],
  ])("claude %s is below the verified range and lacks %j", async (version, failing) => {
    writeConfig({ api_key: KEY });
    const { code, lines } = await doctor({ claude: fakeClaude(`${version} (Claude Code)`) });
    expect(code).toBe(1);
    const failed = lines.filter((line) => line.startsWith("✗ "));
    expect(failed.map((line) => /^✗ (.*?)[:(]/.exec(line)?.[1]?.trim())).toEqual(failing);
    expect(failed[0]).toMatch(
      new RegExp(
        `^✗ claude: .* \\(${version}\\) is older than ${VERIFIED_MIN}, the oldest verified with claude-fallback \\(verified ${VERIFIED_MIN} – ${VERIFIED_MAX}\\) — fix: update Claude Code \\(claude update\\)$`,
      ),
    );
    expect(failed.slice(1).every((line) => line.includes(`found ${version}: `))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^${failing.length} check\\(s\\) failed`));
  });

  test("a version in the range without a detail capability passes with a warning that says what differs", async () => {
    const detail = CAPABILITIES.find((capability) => capability.impact === "detail")!;
    const [major, minor, patch] = detail.since.split(".").map(Number);
    const version = `${major}.${minor}.${patch! - 1}`;
    writeConfig({ api_key: KEY });
    const { code, lines } = await doctor({ claude: fakeClaude(`${version} (Claude Code)`) });
    expect(code).toBe(0);
    expect(lines.filter((line) => line.startsWith("! "))).toEqual([
      `! ${detail.name} (${detail.why}) came in Claude Code ${detail.since}, found ${version}: ${detail.without} — fix: ${detail.remedy}`,
    ]);
    expect(lines.at(-1)).toBe("all checks passed (1 warning)");
  });

  test("a version newer than the verified range passes, saying so", async () => {
    writeConfig({ api_key: KEY });
    const { code, out } = await doctor({ claude: fakeClaude("2.9.0 (Claude Code)") });
    expect(code).toBe(0);
    expect(out).toContain(
      `(2.9.0; newer than the verified ${VERIFIED_MIN} – ${VERIFIED_MAX}: expected to work)`,
    );
  });

  test("a claude that hangs on --version: the time-out is said, and nothing it started is left", async () => {
    writeConfig({ api_key: KEY });
    const pidFile = join(root, "sleep.pid");
    const claude = join(root, "hanging-claude");
    writeFileSync(claude, `#!/bin/sh\n/bin/sleep 100 & echo $! > ${pidFile}; wait\n`);
    chmodSync(claude, 0o755);
    const { code, lines } = await doctor({ claude, versionTimeoutMs: 2000 });
    expect(code).toBe(1);
    expect(lines).toContain(
      `✗ claude: ${claude} found, but \`claude --version\` timed out after 2 s and was killed — fix: reinstall Claude Code (npm install -g @anthropic-ai/claude-code)`,
    );
    const pid = recordedPid(pidFile);
    if (pid === null) throw new Error("the hanging claude recorded no pid");
    await eventually(() => !alive(pid), "the hanging claude's sleep to be killed");
  });

  test.each([
    [
      "claude missing",
      () => join(root, "nope"),
      /^✗ claude: --claude ".*nope" is not an executable file — fix: /,
    ],
    ["claude without a version", () => fakeClaude(""), /^✗ claude: .* gave no version — fix: reinstall/],
  ])("%s", async (_name, claude, line) => {
    writeConfig({ api_key: KEY });
    const { code, lines } = await doctor({ claude: claude() });
    expect(code).toBe(1);
    expect(lines.some((text) => line.test(text))).toBe(true);
  });

  test.each([
    [
      "invalid config",
      () => writeConfig({ auto_swtich: true }),
      /^✗ config file .*auto_swtich.* — fix: correct the file/,
    ],
    [
      "key readable by others",
      () => writeConfig({ api_key: KEY }, 0o644),
      /^✗ config: config file .* readable by others .* — fix: chmod 600 /,
    ],
    ["no key", () => writeConfig({}), /^✗ API key: none configured .* — fix: set api_key/],
  ])("%s", async (_name, setup, line) => {
    setup();
    const { code, lines, out } = await doctor();
    expect(code).toBe(1);
    expect(lines.some((text) => line.test(text))).toBe(true);
    expect(out).not.toContain(KEY);
  });

  test.each([
    [
      "disableAllHooks in the user settings",
      "user",
      { disableAllHooks: true },
      /sets disableAllHooks.* — fix: remove it from .*settings\.json/,
    ],
    [
      "disableAllHooks in the project settings",
      "project",
      { disableAllHooks: true },
      /project.*sets disableAllHooks/,
    ],
    [
      "managed allowManagedHooksOnly",
      "managed",
      { allowManagedHooksOnly: true },
      /allowManagedHooksOnly.* — fix: ask your administrator/,
    ],
    [
      "allowlist without loopback",
      "managed",
      { allowedHttpHookUrls: ["https://hooks.example.com/*"] },
      /allowedHttpHookUrls .* does not allow loopback/,
    ],
  ])("%s", async (_name, where, settings, line) => {
    writeConfig({ api_key: KEY });
    const path =
      where === "user"
        ? join(claudeDir, "settings.json")
        : where === "project"
          ? join(root, "project", ".claude", "settings.json")
          : managed;
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, JSON.stringify(settings));
    const { code, lines } = await doctor();
    expect(code).toBe(1);
    expect(lines.filter((text) => line.test(text))).toHaveLength(1);
  });

  test("a loopback entry in the allowlist passes; allowManagedHooksOnly outside managed settings is ignored", async () => {
    writeConfig({ api_key: KEY });
    writeFileSync(managed, JSON.stringify({ allowedHttpHookUrls: ["http://127.0.0.1:*"] }));
    writeFileSync(
      join(claudeDir, "settings.json"),
      JSON.stringify({ allowManagedHooksOnly: true, disableAllHooks: false }),
    );
    expect((await doctor()).code).toBe(0);
  });

  test("a damaged usage ledger fails, with what the next run does about it, and is left as it was", async () => {
    writeConfig({ api_key: KEY });
    const data = join(home, "data");
    const ledger = join(data, "usage.db");
    mkdirSync(data);
    writeFileSync(ledger, "garbage\n");
    const { code, lines } = await doctor();
    expect(code).toBe(1);
    expect(lines).toContain(
      `✗ usage ledger: ${ledger} is damaged or not a SQLite database (file is not a database) — fix: the next run moves it aside to usage.db.corrupt-<time> and starts a new one (not while cost_limit_per_day or cost_limit_per_month is set: it holds their spend); or move it aside yourself: mv ${ledger} ${ledger}.corrupt`,
    );
    expect(readdirSync(data)).toEqual(["usage.db"]);
    expect(readFileSync(ledger, "utf8")).toBe("garbage\n");
  });

  test("a ledger this version cannot open fails with the ledger's own reason", async () => {
    writeConfig({ api_key: KEY });
    const ledger = join(home, "data", "usage.db");
    openLedger(ledger).close();
    const db = new Database(ledger);
    db.pragma("user_version = 999");
    db.close();
    const { code, lines } = await doctor();
    expect(code).toBe(1);
    expect(lines.filter((line) => line.startsWith("✗ usage ledger: "))).toEqual([
      expect.stringMatching(/has schema version 999, newer than this claude-fallback understands .*upgrade/),
    ]);
  });

  test("an existing, sound usage ledger passes", async () => {
    writeConfig({ api_key: KEY });
    const ledger = join(home, "data", "usage.db");
    openLedger(ledger).close();
    const { code, out } = await doctor();
    expect(code).toBe(0);
    expect(out).toContain(`✓ usage ledger: ${ledger} is writable`);
  });

  test("data and state directories that cannot be made fail (also for root)", async () => {
    writeConfig({ api_key: KEY });
    const blocker = join(root, "not-a-dir");
    writeFileSync(blocker, "");
    const { code, lines } = await doctor({
      env: env({
        CLAUDE_FALLBACK_HOME: "",
        XDG_DATA_HOME: join(blocker, "data"),
        XDG_STATE_HOME: join(blocker, "state"),
        XDG_CONFIG_HOME: home,
      }),
    });
    expect(code).toBe(1);
    expect(
      lines.filter((line) =>
        /^✗ (usage ledger|state): .* is not writable \(.*not-a-dir\) — fix: /.test(line),
      ),
    ).toHaveLength(2);
    // No chmod makes a file a directory.
    expect(lines).toContain(
      `✗ usage ledger: ${join(blocker, "data", "claude-fallback", "usage.db")} is not writable (${blocker}) — fix: ${blocker} is a file where a directory should be: move it aside, or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere`,
    );
  });

  test.each([
    ["damaged", (file: string) => writeFileSync(file, "{not json"), "is damaged"],
    // A directory in its place: unreadable even for root.
    ["unreadable", (file: string) => mkdirSync(file, { recursive: true }), "cannot read"],
  ])(
    "a state file %s: the state check fails, as status says it (not a writable directory's ✓)",
    async (_kind, spoil, words) => {
      writeConfig({ api_key: KEY });
      mkdirSync(join(home, "state"), { recursive: true });
      spoil(join(home, "state", "state.json"));
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      const state = lines.find((line) => line.includes("state:"));
      expect(state).toMatch(/^✗ state: /);
      expect(state).toContain(words);
    },
  );

  test("ASCII marks without a UTF-8 locale", async () => {
    writeConfig({});
    const { lines } = await doctor({ env: env({ LANG: "C" }) });
    expect(lines.some((line) => line.startsWith("OK   claude: "))).toBe(true);
    expect(lines.some((line) => /^FAIL API key: none configured .* -- fix: /.test(line))).toBe(true);
    expect(lines.join("\n")).not.toMatch(/[^\x00-\x7f]/);
  });
});

describe("doctor --online", () => {
  function fakeFetch(status: number) {
    return vi.fn(async (_url: URL | string, _init?: RequestInit) => new Response("{}", { status }));
  }

  test.each([
    [200, 0, /^✓ API key accepted by https:\/\/upstream\.example$/],
    [
      401,
      1,
      /^✗ API key rejected by https:\/\/upstream\.example \(HTTP 401\) — fix: create a key at console\.anthropic\.com and update api_key in the config$/,
    ],
    [529, 1, /^✗ API key rejected .*\(HTTP 529\) — fix: try again later/],
  ])("HTTP %i", async (status, code, line) => {
    writeConfig({ api_key: KEY, upstream_url: "https://upstream.example" });
    const fetch = fakeFetch(status);
    const result = await doctor({ online: true, fetch: fetch as unknown as typeof globalThis.fetch });
    expect(result.code).toBe(code);
    expect(result.lines.some((text) => line.test(text))).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe("https://upstream.example/v1/models");
    expect(new Headers(init?.headers).get("x-api-key")).toBe(KEY);
    expect(result.out).not.toContain(KEY);
  });

  test.each([
    ["$CLAUDE_FALLBACK_API_KEY", {}, { CLAUDE_FALLBACK_API_KEY: KEY }, "set $CLAUDE_FALLBACK_API_KEY to it"],
    ["api_key_command", { api_key_command: `printf '%s' '${KEY}'` }, {}, "make api_key_command print it"],
  ])("a rejected key from %s: the fix names that source", async (_source, config, extraEnv, fix) => {
    writeConfig({ ...config, upstream_url: "https://upstream.example" });
    const result = await doctor({
      online: true,
      env: env(extraEnv),
      fetch: fakeFetch(403) as unknown as typeof globalThis.fetch,
    });
    expect(result.code).toBe(1);
    expect(result.lines).toContain(
      `✗ API key rejected by https://upstream.example (HTTP 403) — fix: create a key at console.anthropic.com and ${fix}`,
    );
    expect(result.out).not.toContain("update the config");
  });

  test("runs api_key_command only when online, and a network failure is a failed check", async () => {
    writeConfig({ api_key_command: `printf '%s' '${KEY}'` });
    const offline = await doctor();
    expect(offline.out).toContain("✓ API key: from api_key_command (run only with --online)");
    const online = await doctor({ online: true });
    expect(online.code).toBe(1);
    // Online it was run: its line says where the key comes from, not that it runs only online.
    expect(online.lines).toContain("✓ API key: from api_key_command");
    expect(
      online.lines.some((line) => /^✗ API key check online failed: no network in tests/.test(line)),
    ).toBe(true);
  });

  test("a key in the environment that a run would refuse fails here with the run's words", async () => {
    writeConfig({});
    const result = await doctor({
      online: true,
      env: env({ CLAUDE_FALLBACK_API_KEY: "garbage-secret-value" }),
    });
    expect(result.code).toBe(1);
    expect(result.lines).toContain(
      "✗ API key: CLAUDE_FALLBACK_API_KEY is …alue: not an Anthropic API key (expected sk-ant-…) — fix: create a key at console.anthropic.com and set $CLAUDE_FALLBACK_API_KEY to it",
    );
    // Not also checked online: the same failure twice would say nothing new.
    expect(result.out).not.toContain("API key check online");
    expect(result.out).not.toContain("garbage-secret-value");
  });

  test("a failing api_key_command is named, with a fix about the command, not the network", async () => {
    writeConfig({ api_key_command: "exit 3" });
    const result = await doctor({ online: true });
    expect(result.code).toBe(1);
    expect(result.lines).toContain(
      "✗ API key: api_key_command failed (exit status 3) — fix: make api_key_command print your API key (sk-ant-…) and exit 0; try it in a shell",
    );
  });

  test("the formatted line never carries a key that appears in an error", () => {
    expect(formatCheck({ status: "fail", text: "x", fix: "y" }, true)).toBe("✗ x — fix: y\n");
    expect(formatCheck({ status: "ok", text: "x", fix: "y" }, false)).toBe("OK   x\n");
    expect(formatCheck({ status: "warn", text: "x", fix: "y" }, true)).toBe("! x — fix: y\n");
    expect(formatCheck({ status: "warn", text: "x", fix: "y" }, false)).toBe("WARN x -- fix: y\n");
  });
});

test("runChecks lists the checks in a stable order", async () => {
  writeConfig({ api_key: KEY });
  const checks = await runChecks(
    { claude: fakeClaude("2.1.330 (Claude Code)") },
    { env: env(), cwd: join(root, "project"), write: () => {}, managedSettingsFiles: [] },
  );
  expect(checks.map((check) => check.text.split(/[:(]/)[0]!.trim())).toEqual([
    "config",
    "claude",
    ...CAPABILITIES.map((capability) => capability.name),
    "Claude Code settings",
    "API key",
    "usage ledger",
    "state",
  ]);
  expect(checks.map((check) => check.id)).toEqual([
    "config",
    "claude",
    ...CAPABILITIES.map((capability) => `claude.${capability.id}`),
    "claude_settings",
    "api_key",
    "usage_ledger",
    "state",
  ]);
});

describe("doctor --json", () => {
  interface DoctorJson {
    ok: boolean;
    failed: number;
    warnings: number;
    claude: Record<string, unknown>;
    checks: { id: string; status: string; text: string; fix: string | null }[];
  }

  test("the same checks as the text, with the claude found against the verified range", async () => {
    writeConfig({ api_key: KEY, auto_swtich: true });
    const claude = fakeClaude("2.1.79 (Claude Code)");
    const text = await doctor({ claude, env: env({ LANG: "C.UTF-8" }) });
    const json = await doctor({ claude, json: true });
    expect(json.code).toBe(text.code);
    const report = JSON.parse(json.out) as DoctorJson;
    const lines = report.checks.map((check) =>
      formatCheck(
        { status: check.status as "ok", text: check.text, ...(check.fix && { fix: check.fix }) },
        true,
      ),
    );
    expect(lines.join("")).toBe(
      text.lines
        .slice(0, -1)
        .map((line) => `${line}\n`)
        .join(""),
    );
    expect(report).toMatchObject({ ok: false, failed: text.lines.filter((l) => l.startsWith("✗")).length });
    expect(report.claude).toEqual({
      path: claude,
      version: "2.1.79",
      verified_min: VERIFIED_MIN,
      verified_max: VERIFIED_MAX,
      supported: false,
    });
  });

  test("a supported claude; no claude at all", async () => {
    writeConfig({ api_key: KEY });
    const good = JSON.parse((await doctor({ json: true })).out) as DoctorJson;
    expect(good).toMatchObject({ ok: true, failed: 0, warnings: 0 });
    expect(good.claude).toMatchObject({ version: "2.1.330", supported: true });
    expect(good.checks.every((check) => check.fix === null)).toBe(true);

    const missing = await doctor({ claude: join(root, "no-such-claude"), json: true });
    expect(missing.code).toBe(1);
    const report = JSON.parse(missing.out) as DoctorJson;
    expect(report.claude).toEqual({
      path: null,
      version: null,
      verified_min: VERIFIED_MIN,
      verified_max: VERIFIED_MAX,
      supported: null,
    });
    expect(report.checks.find((check) => check.id === "claude")).toMatchObject({
      status: "fail",
      fix: "give --claude the path of the Claude Code executable (see `command -v claude`), or leave it out",
    });
  });
});

test("README.md's JSON output section documents exactly the fields `doctor --json` prints", async () => {
  // A warning and a failure, so that every field has a value of each kind it can take.
  writeConfig({ api_key: KEY });
  const report = JSON.parse((await doctor({ claude: fakeClaude("2.1.79 (Claude Code)"), json: true })).out);
  const docs = readmeJsonDocs("### `doctor --json`");
  expect(docs.examples).toHaveLength(1);
  expect([...fieldPaths(docs.examples[0])].sort()).toEqual([...fieldPaths(report)].sort());
  expect([...docs.fields].sort()).toEqual([...fieldNames(report)].sort());
  // The README's requirement is the verified minimum.
  expect(docs.examples[0]).toMatchObject({
    claude: { verified_min: VERIFIED_MIN, verified_max: VERIFIED_MAX },
  });
});

test("doctor --help points to the README's JSON output section", async () => {
  const doctorHelp = (await buildProgram()).commands.find((command) => command.name() === "doctor");
  expect(doctorHelp?.helpInformation().replace(/\s+/g, " ")).toContain(
    '--json machine-readable JSON (stable; documented in the README, section "JSON output")',
  );
});

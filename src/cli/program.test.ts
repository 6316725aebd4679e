import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { likelyCommand, main, onlyCommand, processWrapperArgv } from "./program.js";

const ID = "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40";
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cf-program-"));
  vi.stubEnv("CLAUDE_FALLBACK_HOME", home);
  vi.stubEnv("CLAUDE_FALLBACK_CONFIG", "");
  vi.stubEnv("CLAUDE_FALLBACK_API_KEY", "");
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  rmSync(home, { recursive: true, force: true });
});

/** Runs `main` and returns its exit code and what it wrote. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("usage errors: one line, claude-fallback: prefix, exit 2", () => {
  test.each([
    // Not a command: typo suggested, and where claude's own arguments go.
    [
      ["stauts"],
      `"stauts" is not a command (did you mean status?); claude's own arguments go after --: claude-fallback -- stauts`,
    ],
    [
      ["fix the bug"],
      `"fix the bug" is not a command; claude's own arguments go after --: claude-fallback -- 'fix the bug'`,
    ],
    [
      ["fix", "the", "bug"],
      `"fix" is not a command; claude's own arguments go after --: claude-fallback -- fix the bug`,
    ],
    // The original contract's `hook` command became http hooks and scripts (SPEC §3, §4.2): not a command.
    [["hook"], `"hook" is not a command; claude's own arguments go after --: claude-fallback -- hook`],
    [
      ["--force-api", "stauts"],
      `"stauts" is not a command (did you mean status?); claude's own arguments go after --: claude-fallback --force-api -- stauts`,
    ],
    [
      ["fix the bug", "--", "--model", "opus"],
      `"fix the bug" is not a command; claude's own arguments go after --: claude-fallback -- 'fix the bug' --model opus`,
    ],
    // claude's options given as ours.
    [["-p", "hi"], `unknown option '-p'; claude's own options go after --: claude-fallback -- -p hi`],
    [
      ["--force-api", "-p", "hi"],
      `unknown option '-p'; claude's own options go after --: claude-fallback --force-api -- -p hi`,
    ],
    [
      ["run", "fix"],
      `too many arguments for 'run'. Expected 0 arguments but got 1; claude's own arguments go after --: claude-fallback run -- fix`,
    ],
    [
      ["resume", ID, "-p", "hi"],
      `unknown option '-p'; claude's own options go after --: claude-fallback resume ${ID} -- -p hi`,
    ],
    [
      ["resume", ID, "more"],
      `too many arguments for 'resume'. Expected 1 argument but got 2; claude's own arguments go after --: claude-fallback resume ${ID} -- more`,
    ],
    // Commander's own errors of the other commands, on one line with where the help is.
    [
      ["status", "--jsn"],
      "unknown option '--jsn' (did you mean --json?); see `claude-fallback status --help`",
    ],
    [
      ["status", "extra"],
      "too many arguments for 'status'. Expected 0 arguments but got 1; see `claude-fallback status --help`",
    ],
    [["use"], "missing required argument 'mode'; see `claude-fallback use --help`"],
    [
      ["usage", "weekly"],
      "command-argument value 'weekly' is invalid for argument 'report'. Allowed choices are daily, monthly, session, run; see `claude-fallback usage --help`",
    ],
    [["config", "init", "--bad"], "unknown option '--bad'; see `claude-fallback config init --help`"],
    // A run's option with a command that starts no run: not "unknown option '--force-api'".
    [
      ["--force-api", "--use-subscription"],
      "--force-api starts a run on API billing, and use starts none; give one of them (see `claude-fallback --help`)",
    ],
    [
      ["status", "--force-api"],
      "--force-api starts a run on API billing, and status starts none; give one of them (see `claude-fallback --help`)",
    ],
    [["--config"], "option '--config <path>' argument missing; see `claude-fallback --help`"],
    [
      ["status", "--", "--json"],
      "status does not run claude, so nothing goes after --: --json; see `claude-fallback status --help`",
    ],
    [
      ["--config", "c.json", "usage", "daily", "--", "--since", "x y"],
      "usage does not run claude, so nothing goes after --: --since 'x y'; see `claude-fallback usage --help`",
    ],
    [["help", "nope"], '"nope" is not a command; see `claude-fallback --help`'],
    [["help", "stauts"], '"stauts" is not a command (did you mean status?); see `claude-fallback --help`'],
    [
      ["/nonexistent/claude", "-p", "hi"],
      "/nonexistent/claude is not an executable file: the form `claude-fallback <path-to-claude> [its arguments]` runs the claude it names",
    ],
    [
      ["config", "show", "--", "x"],
      "config does not run claude, so nothing goes after --: x; see `claude-fallback config --help`",
    ],
  ])("%j", async (argv, line) => {
    const result = await cli(argv);
    expect(result).toEqual({ code: 2, stdout: "", stderr: `claude-fallback: ${line}\n` });
  });

  test.each([["fix src/app.ts"], ["src/app.ts"], ["../claude"]])(
    "%j, no executable: a path is said to be one, words with a slash are pointed after --",
    async (word) => {
      const result = await cli([word]);
      expect(result.code).toBe(2);
      expect(result.stderr.includes("is not an executable file")).toBe(word.startsWith("."));
    },
  );
});

describe("what must not change", () => {
  test("--help and --version exit 0 on stdout", async () => {
    const help = await cli(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain("Usage: claude-fallback [options] [command]");
    const version = await cli(["--version"]);
    expect(version).toMatchObject({ code: 0, stderr: "" });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("a broken config is exit 2 for usage too, as for every other command", async () => {
    writeFileSync(join(home, "config.json"), '{ "auto_swtch": true }', { mode: 0o600 });
    const usage = await cli(["usage"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(
      /^claude-fallback: config file .*: unknown key "auto_swtch"; did you mean "auto_switch"\?\n$/,
    );
    expect(usage.stdout).toBe("");
  });

  test("-v is the version, as -V and --version", async () => {
    const version = await cli(["-v"]);
    expect(version).toMatchObject({ code: 0, stderr: "" });
    expect(version.stdout).toBe((await cli(["--version"])).stdout);
  });

  test("help of a subcommand's subcommand: `help config init` is `config init --help`", async () => {
    const help = await cli(["help", "config", "init"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain("Usage: claude-fallback config init [options]");
    expect((await cli(["help", "config"])).stdout).toContain(
      "Usage: claude-fallback config [options] [command]",
    );
  });

  test("the seed spellings --status and --use-subscription still work", async () => {
    const status = await cli(["--status", "--json"]);
    expect(status).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(status.stdout)).toMatchObject({ format: 1, mode: "subscription" });
    const use = await cli(["--use-subscription"]);
    expect(use).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(readFileSync(join(home, "state", "state.json"), "utf8")).preferred_mode).toBe(
      "subscription",
    );
  });

  test("everything after -- is claude's: no command-line error for it", async () => {
    // The run goes as far as looking for claude, which is not there.
    const claude = join(home, "no-such-claude");
    for (const argv of [
      ["--claude", claude, "--", "stauts"],
      ["--claude", claude, "--", "-p", "hi"],
      ["--claude", claude, "--force-api", "--", "hook", "--status"],
    ]) {
      const result = await cli(argv);
      expect(result.stderr).toContain(claude);
      expect(result.stderr).not.toMatch(/not a command|unknown option|too many arguments/);
    }
  });
});

describe("likelyCommand", () => {
  const names = ["run", "use", "config", "usage", "monitor", "status", "resume", "doctor", "statusline"];
  test.each([
    ["stauts", "status"],
    ["STATUS", "status"],
    ["usge", "usage"],
    ["usgae", "usage"],
    ["doctro", "doctor"],
    ["ues", "use"],
    ["monitr", "monitor"],
    ["rn", "run"],
    ["yes", null],
    ["ls", null],
    ["hook", null],
    ["fix", null],
    ["fix the bug", null],
  ])("%j → %j", (word, expected) => {
    expect(likelyCommand(word, names)).toBe(expected);
  });
});

describe("the process-wrapper form (VS Code's claudeProcessWrapper, the Agent SDK's executableArgs)", () => {
  const executable = new Set(["/opt/claude/bin/claude", "./claude"]);
  const isExecutable = (path: string) => executable.has(path);
  test.each([
    [
      ["/opt/claude/bin/claude", "--output-format", "stream-json"],
      ["run", "--claude", "/opt/claude/bin/claude", "--", "--output-format", "stream-json"],
    ],
    [["./claude"], ["run", "--claude", "./claude", "--"]],
    // A command's name, or a path that is not an executable file, is not the form.
    [["status", "--json"], null],
    [["/opt/claude/README.md"], null],
    [[], null],
  ])("%j → %j", (argv, expected) => {
    expect(processWrapperArgv(argv, isExecutable)).toEqual(expected);
  });
});

describe("a start loads only the command it runs", () => {
  test.each([
    [[], "run"],
    [["--force-api"], "run"],
    [["run", "--force-api"], "run"],
    [["status", "--json"], "status"],
    [["--config", "usage", "usage"], "usage"],
    [["config", "show"], "config"],
  ])("%j → %s", (ours, command) => {
    expect(onlyCommand(ours)).toBe(command);
  });

  test.each([[["--help"]], [["status", "-h"]], [["help", "status"]], [["stauts"]], [["fix the bug"]]])(
    "%j needs every command",
    (ours) => {
      expect(onlyCommand(ours)).toBeNull();
    },
  );

  test("--help still lists every command", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const name of ["run", "use", "config", "usage", "monitor", "simulate", "demo", "status"])
      expect(stdout).toContain(`  ${name}`);
    for (const name of ["forecast", "resume", "doctor", "statusline"]) expect(stdout).toContain(`  ${name}`);
  });
});

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validateConfig } from "../config/load.js";
import { DEFAULT_CONFIG } from "../config/schema.js";
import { UsageError } from "../errors.js";
import {
  type ConfigIo,
  type ConfigShowJson,
  configInit,
  configPath,
  configShow,
  configValidate,
  defaultConfigText,
  registerConfig,
} from "./config.js";
import { loadContext } from "./context.js";

/** Made-up keys of the real length; not credentials. */
const FILE_KEY = `sk-ant-api03-test${"CfgF1le_".repeat(9).slice(0, 70)}F1LE`;
const ENV_KEY = `sk-ant-api03-test${"CfgEnv-9".repeat(9).slice(0, 70)}ENV9`;

let dir: string;
let home: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-cli-config-"));
  home = join(dir, "home");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Captured extends ConfigIo {
  out: string[];
  err: string[];
}

function capture(env: Record<string, string | undefined> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { HOME: home, PATH: process.env.PATH, LANG: "C.UTF-8", ...env },
    cwd: dir,
  };
}

function write(path: string, content: unknown, mode = 0o600): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(content));
  chmodSync(path, mode);
  return path;
}

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a UsageError");
}

const defaultPath = () => join(home, ".config", "claude-fallback", "config.json");
const mode = (path: string) => statSync(path).mode & 0o777;

describe("config init", () => {
  it("writes every default with mode 0600 in a new 0700 directory", () => {
    const io = capture();
    configInit({}, io);
    const path = defaultPath();
    expect(mode(path)).toBe(0o600);
    expect(mode(join(path, ".."))).toBe(0o700);
    const written = JSON.parse(readFileSync(path, "utf8"));
    expect(written).toEqual(DEFAULT_CONFIG);
    expect(validateConfig(written, path)).toEqual(DEFAULT_CONFIG);
    expect(io.out.join("")).toContain(`wrote ${path} (default location, mode 0600)`);
    expect(io.out.join("")).toContain('set "api_key"');
  });

  it("writes where --config points, even though that file does not exist yet", () => {
    const io = capture();
    const target = join(dir, "custom", "cf.json");
    configInit({ config: target }, io);
    expect(mode(target)).toBe(0o600);
    expect(readFileSync(target, "utf8")).toBe(defaultConfigText());
    expect(existsSync(defaultPath())).toBe(false);
  });

  it("refuses to overwrite an existing file (exit 2), leaving it untouched", () => {
    const path = write(defaultPath(), { api_key: FILE_KEY });
    const error = usageErrorOf(() => configInit({}, capture()));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`config file already exists: ${path} (use --force to overwrite)`);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ api_key: FILE_KEY });
  });

  it("--force overwrites, leaving mode 0600 and no temporary file", () => {
    const path = write(defaultPath(), { api_key: FILE_KEY }, 0o644);
    configInit({ force: true }, capture());
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(DEFAULT_CONFIG);
    expect(mode(path)).toBe(0o600);
    expect(readdirSync(join(path, ".."))).toEqual(["config.json"]);
  });

  it("a directory it cannot make is said with the fix, as for our other files", () => {
    // A file where the config's directory should be: no permission lets the directory be made.
    mkdirSync(join(home, ".config"), { recursive: true });
    writeFileSync(join(home, ".config", "claude-fallback"), "not a directory");
    const error = usageErrorOf(() => configInit({}, capture()));
    expect(error.message).toBe(
      `cannot create ${defaultPath()}: ${join(home, ".config", "claude-fallback")} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_CONFIG_HOME to another place`,
    );
  });

  it("does not change an existing directory's mode", () => {
    mkdirSync(join(home, ".config", "claude-fallback"), { recursive: true, mode: 0o755 });
    chmodSync(join(home, ".config", "claude-fallback"), 0o755);
    configInit({}, capture());
    expect(mode(join(home, ".config", "claude-fallback"))).toBe(0o755);
    expect(mode(defaultPath())).toBe(0o600);
  });
});

describe("config show", () => {
  it("masks the file's key and names its source", () => {
    const path = write(defaultPath(), {
      api_key: FILE_KEY,
      notifications: { webhook_url: "https://hooks.example.com/services/T0/B0/SECRETPATH" },
    });
    const io = capture();
    configShow({}, io);
    const out = io.out.join("");
    expect(out).toContain(`config file: ${path} (default location)\n`);
    expect(out).toContain("api key: sk-ant-…F1LE (from api_key in the config file)\n");
    expect(out).toContain('"api_key": "sk-ant-…F1LE"');
    expect(out).toContain('"webhook_url": "https://hooks.example.com/…"');
    expect(out).not.toContain(FILE_KEY);
    // Without a UTF-8 locale, ASCII.
    const plain = capture({ LANG: "C" });
    configShow({}, plain);
    expect(plain.out.join("")).toContain("api key: sk-ant-...F1LE (from api_key in the config file)\n");
    expect(plain.out.join("")).not.toMatch(/[^\x00-\x7f]/);
    expect(out).not.toContain("SECRETPATH");
  });

  it("--json is the documented shape, masked", () => {
    const path = write(join(dir, "c.json"), { api_key: FILE_KEY, auto_switch: true });
    const io = capture();
    configShow({ config: path, json: true }, io);
    const report = JSON.parse(io.out.join("")) as ConfigShowJson;
    expect(report).toEqual({
      path,
      source: "flag",
      exists: true,
      key_source: "config",
      key: "sk-ant-…F1LE",
      config: { ...DEFAULT_CONFIG, api_key: "sk-ant-…F1LE", auto_switch: true },
    });
    expect(io.out.join("")).not.toContain(FILE_KEY);
  });

  it("reports an env key masked, over the file's", () => {
    write(defaultPath(), { api_key: FILE_KEY });
    const io = capture({ CLAUDE_FALLBACK_API_KEY: ENV_KEY });
    configShow({ json: true }, io);
    const report = JSON.parse(io.out.join("")) as ConfigShowJson;
    expect(report.key_source).toBe("env");
    expect(report.key).toBe("sk-ant-…ENV9");
    expect(io.out.join("")).not.toContain(ENV_KEY);
    expect(io.out.join("")).not.toContain(FILE_KEY);
  });

  it("names api_key_command as the source without running it", () => {
    const marker = join(dir, "ran");
    write(defaultPath(), { api_key_command: `touch ${marker}; echo ${FILE_KEY}` });
    const io = capture();
    configShow({}, io);
    expect(io.out.join("")).toContain("api key: from api_key_command (not run by show)\n");
    expect(io.out.join("")).not.toContain(FILE_KEY);
    expect(existsSync(marker)).toBe(false);
  });

  it("shows the defaults when no file exists", () => {
    const io = capture();
    configShow({}, io);
    const out = io.out.join("");
    expect(out).toContain(`config file: ${defaultPath()} (default location; does not exist, defaults apply)`);
    expect(out).toContain("api key: none configured\n");
    expect(out).toContain('"menu_key": "ctrl-]"');
  });

  it("warns once on stderr about a world-readable file holding the key, without the key", () => {
    const path = write(join(dir, "open.json"), { api_key: FILE_KEY }, 0o644);
    const io = capture();
    configShow({ config: path }, io);
    configShow({ config: path }, io);
    const err = io.err.join("");
    expect(err.match(/warning:/g)).toHaveLength(1);
    expect(err).toContain(`chmod 600 ${path}`);
    expect(err).not.toContain(FILE_KEY);
  });
});

describe("config path", () => {
  it.each([
    ["text, missing", false, false],
    ["text, present", true, false],
    ["json, missing", false, true],
    ["json, present", true, true],
  ])("%s", (_name, present, json) => {
    const target = join(dir, "p.json");
    if (present) write(target, {});
    const io = capture();
    configPath({ config: "p.json", json }, io);
    const out = io.out.join("");
    if (json) expect(JSON.parse(out)).toEqual({ path: target, source: "flag", exists: present });
    else expect(out).toBe(`${target} (from --config; ${present ? "exists" : "does not exist"})\n`);
  });

  it("reports $CLAUDE_FALLBACK_CONFIG and the default location", () => {
    const fromEnv = capture({ CLAUDE_FALLBACK_CONFIG: join(dir, "e.json") });
    configPath({}, fromEnv);
    expect(fromEnv.out.join("")).toBe(
      `${join(dir, "e.json")} (from $CLAUDE_FALLBACK_CONFIG; does not exist)\n`,
    );
    const fallback = capture({ CLAUDE_FALLBACK_HOME: join(dir, "portable") });
    configPath({}, fallback);
    expect(fallback.out.join("")).toBe(
      `${join(dir, "portable", "config.json")} (default location; does not exist)\n`,
    );
  });
});

describe("config validate", () => {
  it("prints valid: <path> for a good file", () => {
    const path = write(defaultPath(), { api_key: FILE_KEY, notify_at_percentage: 90 });
    const io = capture();
    configValidate({}, io);
    expect(io.out.join("")).toBe(`valid: ${path}\n`);
    expect(io.err).toEqual([]);
  });

  it("says when the defaults apply", () => {
    const io = capture();
    configValidate({}, io);
    expect(io.out.join("")).toBe(`valid: ${defaultPath()} (does not exist; defaults apply)\n`);
  });

  it.each([
    [{ notify_at_percentage: 0 }, "notify_at_percentage is 0: out of range"],
    [{ auto_swtch: true }, 'unknown key "auto_swtch"; did you mean "auto_switch"?'],
    [{ api_key: `${FILE_KEY}!` }, 'api_key is "sk-ant-…1LE!": not a whole Anthropic API key'],
  ])("fails with exit 2 and one line for %j", (content, expected) => {
    const path = write(join(dir, "bad.json"), content);
    const io = capture();
    expect(configValidate({ config: path }, io)).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^claude-fallback: .*\n$/);
    expect(io.err[0]).toContain(`config file ${path}: ${expected}`);
    expect(io.err.join("")).not.toContain(FILE_KEY);
    expect(io.out).toEqual([]);
  });

  it("lists every problem, one line each (unknown keys one by one), not the first and a count", () => {
    const path = write(join(dir, "bad.json"), {
      auto_swtch: true,
      zzz: 1,
      notify_at_percentage: 0,
      log_usage: "yes",
    });
    const io = capture();
    expect(configValidate({ config: path }, io)).toBe(2);
    expect(io.err).toEqual([
      `claude-fallback: config file ${path}: unknown key "auto_swtch"; did you mean "auto_switch"?\n`,
      expect.stringMatching(
        new RegExp(`^claude-fallback: config file ${path}: unknown key "zzz"; known keys: .*\\n$`),
      ),
      `claude-fallback: config file ${path}: log_usage is "yes": wrong type (a string); allowed: true or false\n`,
      `claude-fallback: config file ${path}: notify_at_percentage is 0: out of range; allowed: a whole number from 1 to 100\n`,
    ]);
    expect(io.out).toEqual([]);
  });

  it("a missing --config file is exit 2", () => {
    const error = usageErrorOf(() => configValidate({ config: "nope.json" }, capture()));
    expect(error.message).toBe(`config file not found: ${join(dir, "nope.json")} (from --config)`);
  });
});

describe("registerConfig", () => {
  function program(io: ConfigIo): Command {
    const root = new Command("claude-fallback")
      .option("--config <path>")
      .option("--claude <path>")
      .exitOverride()
      .configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerConfig(root, io);
    return root;
  }

  it("reads the global --config given before the subcommand", async () => {
    const path = write(join(dir, "g.json"), { api_key: FILE_KEY });
    const io = capture();
    await program(io).parseAsync(["--config", path, "config", "show", "--json"], { from: "user" });
    const report = JSON.parse(io.out.join("")) as ConfigShowJson;
    expect(report.path).toBe(path);
    expect(report.key).toBe("sk-ant-…F1LE");
  });

  it("runs init --force, path and validate", async () => {
    const target = join(dir, "r.json");
    const io = capture();
    await program(io).parseAsync(["--config", target, "config", "init"], { from: "user" });
    await program(io).parseAsync(["--config", target, "config", "init", "--force"], { from: "user" });
    await program(io).parseAsync(["--config", target, "config", "path"], { from: "user" });
    await program(io).parseAsync(["--config", target, "config", "validate"], { from: "user" });
    const out = io.out.join("");
    expect(out.match(/^wrote /gm)).toHaveLength(2);
    expect(out).toContain(`${target} (from --config; exists)\n`);
    expect(out).toContain(`valid: ${target}\n`);
  });

  it("a validation failure sets exit 2 for main(), with its lines said", async () => {
    const path = write(join(dir, "bad.json"), { log_usage: "no" });
    const io = capture();
    try {
      await program(io).parseAsync(["--config", path, "config", "validate"], { from: "user" });
      expect(process.exitCode).toBe(2);
    } finally {
      process.exitCode = undefined;
    }
    expect(io.err).toEqual([expect.stringContaining(`config file ${path}: log_usage is "no"`)]);
  });

  it("rejects init over an existing file", async () => {
    const path = write(join(dir, "exists.json"), {});
    await expect(
      program(capture()).parseAsync(["--config", path, "config", "init"], { from: "user" }),
    ).rejects.toThrow(/already exists/);
  });
});

describe("loadContext", () => {
  it("--claude overrides claude_path; otherwise the config's is used", () => {
    const path = write(join(dir, "c.json"), { claude_path: "/opt/claude" });
    const env = { HOME: home };
    expect(loadContext({ config: path }, env, () => {}, dir).claudePath).toBe("/opt/claude");
    expect(loadContext({ config: path, claude: "./my-claude" }, env, () => {}, dir).claudePath).toBe(
      "./my-claude",
    );
    expect(loadContext({}, env, () => {}, dir).claudePath).toBe("claude");
  });

  it("returns the paths, the config and where it came from", () => {
    const env = { CLAUDE_FALLBACK_HOME: join(dir, "cfh") };
    const path = write(join(dir, "cfh", "config.json"), { auto_switch: true });
    const context = loadContext({}, env, () => {}, dir);
    expect(context).toMatchObject({
      configPath: path,
      configSource: "default",
      configExists: true,
      paths: { stateDir: join(dir, "cfh", "state"), dataDir: join(dir, "cfh", "data") },
    });
    expect(context.config.auto_switch).toBe(true);
  });
});

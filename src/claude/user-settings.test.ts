import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { settingsConfigDir } from "./config-dir.js";
import {
  findUserStatusLine,
  readSettingsArgument,
  userSettingsArgument,
  withoutSettingsArgument,
} from "./user-settings.js";

let root: string;
let home: string;
let cwd: string;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "cf-user-settings-"));
  home = join(root, "home");
  cwd = join(root, "project");
  mkdirSync(join(home, ".claude"), { recursive: true });
  mkdirSync(join(cwd, ".claude"), { recursive: true });
  env = { HOME: home };
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

type Layer = "user" | "project" | "local" | "flagFile" | "flagJson";

function layerPath(layer: Exclude<Layer, "flagJson">): string {
  switch (layer) {
    case "user":
      return join(home, ".claude", "settings.json");
    case "project":
      return join(cwd, ".claude", "settings.json");
    case "local":
      return join(cwd, ".claude", "settings.local.json");
    case "flagFile":
      return join(cwd, "my-settings.json");
  }
}

const statusLineOf = (name: string) => ({
  statusLine: { type: "command", command: `echo ${name}`, padding: 1 },
});

/** Sets up the given layers, each with a status line named after it; returns the lookup. */
function lookup(layers: Layer[]) {
  let userSettingsArg: string | undefined;
  for (const layer of layers) {
    if (layer === "flagJson") {
      userSettingsArg = JSON.stringify(statusLineOf(layer));
    } else {
      writeFileSync(layerPath(layer), JSON.stringify(statusLineOf(layer)));
      if (layer === "flagFile") userSettingsArg = "my-settings.json";
    }
  }
  return findUserStatusLine({ cwd, env, userSettingsArg });
}

describe("findUserStatusLine precedence: --settings > local > project > user", () => {
  test.each<[Layer[], string | null]>([
    [[], null],
    [["user"], "user"],
    [["user", "project"], "project"],
    [["user", "project", "local"], "local"],
    [["project", "local"], "local"],
    [["user", "local"], "local"],
    [["user", "project", "local", "flagFile"], "flagFile"],
    [["user", "flagJson"], "flagJson"],
    [["flagFile"], "flagFile"],
  ])("%j → %s", (layers, winner) => {
    const result = lookup(layers);
    expect(result.problems).toEqual([]);
    if (winner === null) {
      expect(result.statusLine).toBeNull();
      return;
    }
    expect(result.statusLine).toMatchObject({ command: `echo ${winner}`, padding: 1 });
    const source = { user: "user", project: "project", local: "local", flagFile: "flag", flagJson: "flag" }[
      winner as Layer
    ];
    expect(result.statusLine?.source).toBe(source);
    expect(result.statusLine?.path).toBe(
      winner === "flagJson" ? null : layerPath(winner as Exclude<Layer, "flagJson">),
    );
  });

  test("a layer without a statusLine does not hide a lower one", () => {
    writeFileSync(layerPath("user"), JSON.stringify(statusLineOf("user")));
    writeFileSync(layerPath("local"), JSON.stringify({ model: "opus", hooks: {} }));
    expect(findUserStatusLine({ cwd, env }).statusLine?.command).toBe("echo user");
  });

  test("CLAUDE_CONFIG_DIR replaces ~/.claude", () => {
    const configDir = join(root, "config");
    mkdirSync(configDir);
    writeFileSync(join(configDir, "settings.json"), JSON.stringify(statusLineOf("config-dir")));
    writeFileSync(layerPath("user"), JSON.stringify(statusLineOf("home")));
    expect(settingsConfigDir({ HOME: home, CLAUDE_CONFIG_DIR: configDir })).toBe(configDir);
    expect(settingsConfigDir({ HOME: home })).toBe(join(home, ".claude"));
    const result = findUserStatusLine({ cwd, env: { HOME: home, CLAUDE_CONFIG_DIR: configDir } });
    expect(result.statusLine?.command).toBe("echo config-dir");
  });

  test("an invalid file is skipped with a reason, and the next layer down is used", () => {
    writeFileSync(layerPath("user"), JSON.stringify(statusLineOf("user")));
    writeFileSync(layerPath("project"), "{ not json");
    writeFileSync(layerPath("local"), "[1, 2]");
    const result = findUserStatusLine({ cwd, env });
    expect(result.statusLine?.command).toBe("echo user");
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toContain(layerPath("local"));
    expect(result.problems[0]).toContain("not a JSON object");
    expect(result.problems[1]).toContain(layerPath("project"));
    expect(result.problems[1]).toContain("not valid JSON");
  });

  test("a statusLine of the wrong shape is skipped with a reason", () => {
    const bad = [
      { statusLine: "echo x" },
      { statusLine: { type: "static", command: "echo x" } },
      { statusLine: { type: "command" } },
      { statusLine: { type: "command", command: "   " } },
      { statusLine: { type: "command", command: "echo \u0000" } },
    ];
    for (const settings of bad) {
      writeFileSync(layerPath("local"), JSON.stringify(settings));
      const result = findUserStatusLine({ cwd, env });
      expect(result.statusLine, JSON.stringify(settings)).toBeNull();
      expect(result.problems, JSON.stringify(settings)).toHaveLength(1);
    }
  });

  test("an unreadable file is a problem, a missing --settings file too; nothing is ever written", () => {
    writeFileSync(layerPath("project"), JSON.stringify(statusLineOf("project")));
    const before = statSync(layerPath("project")).mtimeMs;
    writeFileSync(layerPath("local"), JSON.stringify(statusLineOf("local")));
    chmodSync(layerPath("local"), 0o000);
    const unreadable = process.getuid?.() !== 0;
    const result = findUserStatusLine({ cwd, env, userSettingsArg: "missing.json" });
    expect(result.problems[0]).toContain("missing.json");
    if (unreadable) {
      expect(result.statusLine?.command).toBe("echo project");
      expect(result.problems[1]).toContain("cannot be read");
    }
    chmodSync(layerPath("local"), 0o600);
    expect(readFileSync(layerPath("project"), "utf8")).toBe(JSON.stringify(statusLineOf("project")));
    expect(statSync(layerPath("project")).mtimeMs).toBe(before);
  });

  test("keeps refreshInterval and hideVimModeIndicator; ignores nonsense values", () => {
    writeFileSync(
      layerPath("user"),
      JSON.stringify({
        statusLine: {
          type: "command",
          command: "x",
          padding: "2",
          refreshInterval: 5,
          hideVimModeIndicator: true,
        },
      }),
    );
    expect(findUserStatusLine({ cwd, env }).statusLine).toEqual({
      command: "x",
      refreshInterval: 5,
      hideVimModeIndicator: true,
      source: "user",
      path: layerPath("user"),
    });
  });
});

describe("--settings among claude arguments", () => {
  test.each<[string[], string | undefined]>([
    [[], undefined],
    [["-p", "hi"], undefined],
    [["--settings", "a.json"], "a.json"],
    [["--settings=a.json"], "a.json"],
    [["--settings", '{"model":"x"}', "-p", "q"], '{"model":"x"}'],
    [["--settings", "a.json", "--settings", "b.json"], "b.json"],
    [["--settings"], undefined],
    [["--", "--settings", "a.json"], undefined],
    [["-p", "--settings-sources", "user"], undefined],
  ])("userSettingsArgument(%j) = %j", (args, value) => {
    expect(userSettingsArgument(args)).toBe(value);
  });

  test.each<[string[], string[]]>([
    [
      ["--settings", "a.json", "-p", "hi"],
      ["-p", "hi"],
    ],
    [
      ["--model", "opus", "--settings=a.json", "--resume", "x"],
      ["--model", "opus", "--resume", "x"],
    ],
    [
      ["-p", "--", "--settings", "a.json"],
      ["-p", "--", "--settings", "a.json"],
    ],
  ])("withoutSettingsArgument(%j) = %j", (args, kept) => {
    expect(withoutSettingsArgument(args)).toEqual(kept);
  });

  test("readSettingsArgument reads inline JSON, or a file relative to cwd", () => {
    writeFileSync(join(cwd, "mine.json"), JSON.stringify({ model: "opus" }));
    expect(readSettingsArgument('{"model":"haiku"}', cwd)).toEqual({
      settings: { model: "haiku" },
      path: null,
      problem: null,
    });
    expect(readSettingsArgument("mine.json", cwd)).toEqual({
      settings: { model: "opus" },
      path: join(cwd, "mine.json"),
      problem: null,
    });
    expect(readSettingsArgument("{ broken", cwd).problem).toContain("not valid JSON");
  });
});

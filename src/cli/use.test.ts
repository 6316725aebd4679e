import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { FallbackError } from "../errors.js";
import { useMode } from "./use.js";

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cf-use-"));
  vi.stubEnv("CLAUDE_FALLBACK_HOME", home);
  vi.stubEnv("CLAUDE_FALLBACK_CONFIG", "");
  vi.stubEnv("CLAUDE_FALLBACK_API_KEY", "sk-ant-api03-test-use-command-key-0000");
});

afterEach(() => {
  vi.unstubAllEnvs();
  warnings = "";
  rmSync(home, { recursive: true, force: true });
});

let warnings = "";

function use(mode: string): string {
  let out = "";
  useMode(
    mode,
    {},
    (text) => (out += text),
    (text) => (warnings += text),
  );
  return out;
}

test("saves the preferred mode in the state file", () => {
  expect(use("api")).toBe("preferred mode: api (new runs start on API billing)\n");
  const state = JSON.parse(readFileSync(join(home, "state", "state.json"), "utf8"));
  expect(state.preferred_mode).toBe("api");
});

test("the mode may be typed in any case; anything else is a usage error naming the modes", () => {
  expect(use("API")).toBe("preferred mode: api (new runs start on API billing)\n");
  const state = JSON.parse(readFileSync(join(home, "state", "state.json"), "utf8"));
  expect(state.preferred_mode).toBe("api");
  expect(() => use("apy")).toThrow('use: unknown mode "apy"; allowed: api, subscription');
});

test.each(["api", "subscription"])(
  "use %s with a file where the state directory should be: what, where, and what to do",
  (mode) => {
    const stateDir = join(home, "state");
    writeFileSync(stateDir, "not a directory");
    expect(() => use(mode)).toThrow(FallbackError);
    expect(() => use(mode)).toThrow(
      `could not save the preferred mode: cannot write ${join(stateDir, "state.json")}: ${stateDir} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place`,
    );
  },
);

test("a state file that cannot be read is named with the cause and the fix, and not written over", () => {
  const file = join(home, "state", "state.json");
  mkdirSync(home, { recursive: true });
  mkdirSync(join(home, "state"));
  symlinkSync("state.json", file); // A loop: ELOOP, as unreadable to root as to anyone.
  expect(() => use("subscription")).toThrow(FallbackError);
  expect(() => use("subscription")).toThrow(
    new RegExp(
      `^could not save the preferred mode: state: cannot read ${file} \\(ELOOP: .*\\); fix: let your user read it \\(chmod u\\+rwx ${join(home, "state")}\\), or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place`,
    ),
  );
  expect(lstatSync(file).isSymbolicLink()).toBe(true);
});

test("a damaged state file is kept aside, said in one line, before the preference is written", () => {
  const file = join(home, "state", "state.json");
  mkdirSync(join(home, "state"), { recursive: true });
  const damaged = '{"preferred_mode": null, "last_limit": {"at": 1, "resets_at": 2, "wind';
  writeFileSync(file, damaged);
  expect(use("api")).toBe("preferred mode: api (new runs start on API billing)\n");
  const aside = readdirSync(join(home, "state")).filter((name) => name.startsWith("state.json.corrupt-"));
  expect(aside).toHaveLength(1);
  expect(readFileSync(join(home, "state", aside[0]!), "utf8")).toBe(damaged);
  expect(warnings).toBe(
    `claude-fallback: the state file ${file} was damaged; moved it to ${join(home, "state", aside[0]!)} (a \`use\` preference or a limit it held is forgotten)\n`,
  );
  expect(JSON.parse(readFileSync(file, "utf8")).preferred_mode).toBe("api");
});

test("live runs that cannot be listed: the preference is saved, and one line says the sessions are not known", () => {
  mkdirSync(join(home, "state"), { recursive: true });
  writeFileSync(join(home, "state", "runs"), "not a directory");
  expect(use("subscription")).toBe("preferred mode: subscription (new runs start on the subscription)\n");
  expect(warnings).toBe(
    `claude-fallback: live wrapped sessions not known: live runs: cannot read ${join(home, "state", "runs")}: ${join(home, "state", "runs")} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place\n`,
  );
});

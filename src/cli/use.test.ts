import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  rmSync(home, { recursive: true, force: true });
});

function use(mode: string): string {
  let out = "";
  useMode(mode, {}, (text) => (out += text));
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
      `could not save the preferred mode: ${stateDir} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place`,
    );
  },
);

test("any other failure to write names the state file and the cause", () => {
  const file = join(home, "state", "state.json");
  mkdirSync(file, { recursive: true });
  expect(() => use("subscription")).toThrow(FallbackError);
  expect(() => use("subscription")).toThrow(
    new RegExp(
      `^could not save the preferred mode: ${file} cannot be written \\(EISDIR: .*\\); fix that, or set CLAUDE_FALLBACK_HOME`,
    ),
  );
});

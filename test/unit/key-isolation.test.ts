/**
 * The API key reaches no process but claude-fallback itself (SPEC §2, SECURITY.md): every program
 * we start gets an environment without CLAUDE_FALLBACK_API_KEY. Regressions: `claude --version`
 * (run before every wrapped run and by `doctor`) and the desktop notifier (`notify-send`) used to
 * inherit the whole environment, key included. Claude Code's own environment: src/claude/env.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { claudeVersion } from "../../src/claude/locate.js";
import { API_KEY_ENV, withoutApiKeyEnv } from "../../src/config/secret.js";
import { createDesktopChannel } from "../../src/notify/desktop.js";

const KEY = "sk-ant-api03-test-isolation-0123456789abcdefghij-KeyZ";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-key-isolation-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A program that writes its environment to `<name>.env` and prints a Claude Code version. */
function envDumpingProgram(name: string): { path: string; dump: () => string } {
  const path = join(dir, name);
  const dump = join(dir, `${name}.env`);
  writeFileSync(path, `#!/bin/sh\nenv > '${dump}'\necho '2.1.330 (Claude Code)'\n`, { mode: 0o755 });
  return { path, dump: () => readFileSync(dump, "utf8") };
}

function shellEnv(): NodeJS.ProcessEnv {
  return { PATH: `${dir}:/usr/bin:/bin`, MARKER: "passed-on", [API_KEY_ENV]: KEY };
}

describe("withoutApiKeyEnv", () => {
  test("drops our key variable only, and leaves the environment it was given alone", () => {
    const env = shellEnv();
    expect(withoutApiKeyEnv(env)).toEqual({ PATH: env.PATH, MARKER: "passed-on" });
    expect(env[API_KEY_ENV]).toBe(KEY);
  });
});

describe("claude --version", () => {
  test("runs without the key in its environment, everything else passed on", async () => {
    const claude = envDumpingProgram("claude");
    expect(await claudeVersion(claude.path, shellEnv())).toBe("2.1.330");
    expect(claude.dump()).toContain("MARKER=passed-on");
    expect(claude.dump()).not.toContain(API_KEY_ENV);
    expect(claude.dump()).not.toContain(KEY);
  });

  test("also by default, when the key is in this process's own environment", async () => {
    const claude = envDumpingProgram("claude");
    const before = process.env[API_KEY_ENV];
    process.env[API_KEY_ENV] = KEY;
    try {
      expect(await claudeVersion(claude.path)).toBe("2.1.330");
    } finally {
      if (before === undefined) delete process.env[API_KEY_ENV];
      else process.env[API_KEY_ENV] = before;
    }
    expect(claude.dump()).not.toContain(KEY);
  });
});

describe("the desktop notifier", () => {
  test("notify-send runs without the key in its environment; DISPLAY and the rest are passed on", async () => {
    const notifySend = envDumpingProgram("notify-send");
    const channel = createDesktopChannel({ platform: "linux", env: { ...shellEnv(), DISPLAY: ":0" } });
    await channel.send(
      {
        kind: "switched_to_api",
        title: "claude-fallback: Switched to API billing",
        body: "b",
        at: 0,
        sessionId: null,
        runId: null,
      },
      new AbortController().signal,
    );
    expect(notifySend.dump()).toContain("DISPLAY=:0");
    expect(notifySend.dump()).toContain("MARKER=passed-on");
    expect(notifySend.dump()).not.toContain(API_KEY_ENV);
    expect(notifySend.dump()).not.toContain(KEY);
  });
});

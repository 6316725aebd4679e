import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive, killLeftover, recordedPid } from "../../test/support/processes.js";
import { claudeVersion, probeClaudeVersion } from "./locate.js";

const ENV = { PATH: process.env.PATH };

let dir: string;
/** Where a fake claude records the pid of what it starts in the background. */
let pidFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-locate-"));
  pidFile = join(dir, "pid");
});

afterEach(() => {
  killLeftover(pidFile);
  rmSync(dir, { recursive: true, force: true });
});

function fakeClaude(script: string): string {
  const path = join(dir, "claude");
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("probeClaudeVersion", () => {
  it("reads the version from `claude --version`", async () => {
    const claude = fakeClaude('[ "$1" = --version ] && echo "2.1.330 (Claude Code)"');
    expect(await probeClaudeVersion(claude, ENV)).toEqual({ version: "2.1.330" });
    expect(await claudeVersion(claude, ENV)).toBe("2.1.330");
  });

  it.each([
    ["no version in the output", "echo 'Claude Code'", "`claude --version` gave no version"],
    ["a failure", "echo 2.1.330; exit 3", "`claude --version` failed (exit status 3)"],
  ])("%s is said", async (_name, script, problem) => {
    const claude = fakeClaude(script);
    expect(await probeClaudeVersion(claude, ENV)).toEqual({ version: null, problem });
    expect(await claudeVersion(claude, ENV)).toBeNull();
  });

  it("a claude that hangs is killed, with what it started, and the time-out is said", async () => {
    const claude = fakeClaude(`/bin/sleep 100 & echo $! > ${pidFile}; wait`);
    expect(await probeClaudeVersion(claude, ENV, 2000)).toEqual({
      version: null,
      problem: "`claude --version` timed out after 2 s and was killed",
    });
    const pid = recordedPid(pidFile);
    if (pid === null) throw new Error("the fake claude recorded no pid");
    await eventually(() => !alive(pid), "the fake claude's sleep to be killed");
  });

  it("runs claude without our API key in its environment", async () => {
    const claude = fakeClaude('[ -z "$CLAUDE_FALLBACK_API_KEY" ] && echo 2.1.330');
    const env = { ...ENV, CLAUDE_FALLBACK_API_KEY: "sk-ant-api03-test-never-passed-on" };
    expect(await probeClaudeVersion(claude, env)).toEqual({ version: "2.1.330" });
  });
});

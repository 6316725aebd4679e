import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { claudeProjectsDir } from "../../../test/support/claude-home.js";
import {
  currentTranscript,
  findSessionTranscript,
  listTranscripts,
  projectDirsFor,
  projectSlug,
} from "./find.js";

let root: string;
let env: Record<string, string>;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cf-transcripts-"));
  env = { CLAUDE_CONFIG_DIR: join(root, "cfg") };
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function transcript(dir: string, id: string, mtimeMs: number): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${id}.jsonl`);
  writeFileSync(path, "{}\n");
  utimesSync(path, mtimeMs / 1000, mtimeMs / 1000);
  return path;
}

describe("project directories", () => {
  test.each([
    ["/home/u/proj", "-home-u-proj"],
    ["/tmp/cf-e2e-Ab12/project", "-tmp-cf-e2e-Ab12-project"],
    ["/Users/me/My Project.v2/x_y", "-Users-me-My-Project-v2-x-y"],
    ["/home/ü/ç", "-home----"],
  ])("%j → %j", (cwd, slug) => {
    expect(projectSlug(cwd)).toBe(slug);
  });

  test("under CLAUDE_CONFIG_DIR, else under both ~/.config/claude and ~/.claude (those with projects)", () => {
    mkdirSync(join(root, "cfg", "projects"), { recursive: true });
    expect(projectDirsFor("/a/b", env)).toEqual([join(root, "cfg", "projects", "-a-b")]);
    const home = join(root, "home");
    mkdirSync(join(home, ".claude", "projects"), { recursive: true });
    expect(projectDirsFor("/a/b", { HOME: home })).toEqual([join(home, ".claude", "projects", "-a-b")]);
    mkdirSync(join(home, ".config", "claude", "projects"), { recursive: true });
    expect(projectDirsFor("/a/b", { HOME: home })).toEqual([
      join(home, ".config", "claude", "projects", "-a-b"),
      join(home, ".claude", "projects", "-a-b"),
    ]);
  });

  test("a very long cwd matches shortened directories by prefix", () => {
    const cwd = `/${"x".repeat(250)}`;
    const dir = join(claudeProjectsDir(env), `${projectSlug(cwd).slice(0, 200)}-abc123`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(claudeProjectsDir(env), "-other"), { recursive: true });
    expect(projectDirsFor(cwd, env)).toEqual([dir]);
  });
});

describe("choosing the transcript", () => {
  const start = Date.UTC(2026, 10, 24, 4, 0, 0);

  test("the newest modified since the process started; none before it writes", () => {
    const dir = join(claudeProjectsDir(env), projectSlug("/p"));
    expect(currentTranscript([dir], start)).toBeNull();
    transcript(dir, "old", start - 60_000);
    expect(currentTranscript([dir], start)).toBeNull();
    transcript(dir, "first", start + 5_000);
    expect(currentTranscript([dir], start)?.sessionId).toBe("first");
    // After /clear: a new file, written later.
    const next = transcript(dir, "second", start + 60_000);
    expect(currentTranscript([dir], start)).toEqual({
      path: next,
      sessionId: "second",
      mtimeMs: start + 60_000,
    });
    // /resume of an old session: its old file is written to again.
    transcript(dir, "old", start + 120_000);
    expect(currentTranscript([dir], start)?.sessionId).toBe("old");
  });

  test("a start time a little after the mtime (second precision) still matches", () => {
    const dir = join(claudeProjectsDir(env), "-p");
    transcript(dir, "s", start - 500);
    expect(currentTranscript([dir], start)?.sessionId).toBe("s");
  });

  test("only .jsonl files directly in the project directory", () => {
    const dir = join(claudeProjectsDir(env), "-p");
    transcript(dir, "s", start);
    transcript(join(dir, "s", "subagents"), "agent-1", start + 1000);
    writeFileSync(join(dir, "notes.txt"), "");
    expect(listTranscripts(dir).map((file) => file.sessionId)).toEqual(["s"]);
  });

  test("a session id in any project", () => {
    const a = transcript(join(claudeProjectsDir(env), "-a"), "abc", start);
    transcript(join(claudeProjectsDir(env), "-b"), "def", start);
    expect(findSessionTranscript("abc", env)?.path).toBe(a);
    expect(findSessionTranscript("zzz", env)).toBeNull();
    expect(findSessionTranscript("../abc", env)).toBeNull();
  });

  test("a session under ~/.config/claude is found too (as `usage --subscription` counts it)", () => {
    const home = join(root, "home");
    mkdirSync(join(home, ".claude", "projects", "-other"), { recursive: true });
    const path = transcript(join(home, ".config", "claude", "projects", "-p"), "xdg-session", start);
    expect(findSessionTranscript("xdg-session", { HOME: home })?.path).toBe(path);
    const xdg = join(root, "xdg");
    const elsewhere = transcript(join(xdg, "claude", "projects", "-p"), "xdg-home", start);
    expect(findSessionTranscript("xdg-home", { HOME: home, XDG_CONFIG_HOME: xdg })?.path).toBe(elsewhere);
  });
});

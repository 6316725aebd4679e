import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FallbackError } from "../errors.js";
import { listTrackedFiles } from "./codebase-files.js";

let dir: string;

function git(...args: string[]): void {
  execFileSync("git", ["-C", dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
    stdio: "ignore",
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-codebase-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("listTrackedFiles", () => {
  test("lists tracked regular files with their sizes; untracked, ignored, deleted and links are left out", async () => {
    git("init", "-q");
    mkdirSync(join(dir, "src", "déjà vu"), { recursive: true });
    writeFileSync(join(dir, "src", "main.ts"), "x".repeat(1234));
    writeFileSync(join(dir, "src", "déjà vu", "a file.json"), "{}");
    writeFileSync(join(dir, ".gitignore"), "dist/\n");
    writeFileSync(join(dir, "gone.txt"), "soon deleted");
    symlinkSync("nowhere", join(dir, "dangling"));
    git("add", "-A");
    git("commit", "-q", "-m", "init");
    unlinkSync(join(dir, "gone.txt"));
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "bundle.js"), "ignored");
    writeFileSync(join(dir, "untracked.ts"), "not added");

    const files = await listTrackedFiles(dir);
    expect(files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: ".gitignore", bytes: 6 },
      { path: "src/déjà vu/a file.json", bytes: 2 },
      { path: "src/main.ts", bytes: 1234 },
    ]);
  });

  test("below the top of the work tree: only that directory's files, relative to it", async () => {
    git("init", "-q");
    mkdirSync(join(dir, "pkg"));
    writeFileSync(join(dir, "pkg", "index.ts"), "abc");
    writeFileSync(join(dir, "root.ts"), "abcdef");
    git("add", "-A");
    expect(await listTrackedFiles(join(dir, "pkg"))).toEqual([{ path: "index.ts", bytes: 3 }]);
  });

  test("outside a git work tree: an error naming the directory, not an empty codebase", async () => {
    // Whatever holds the temp directory, git must not look above it.
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = tmpdir();
    const error = await listTrackedFiles(dir)
      .catch((caught: unknown) => caught)
      .finally(() => {
        if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
        else process.env.GIT_CEILING_DIRECTORIES = ceiling;
      });
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as Error).message).toContain(dir);
  });
});

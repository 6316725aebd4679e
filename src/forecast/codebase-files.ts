import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { FallbackError } from "../errors.js";
import type { CodebaseFile } from "./codebase.js";

/**
 * The I/O half of the codebase estimate: the files git tracks under `dir`, with their sizes
 * (codebase.ts turns them into tokens). Tracked files only — what the project is, without build
 * output, dependencies or ignored files. A tracked file gone from the work tree, or one that is
 * not a regular file (a submodule, a dangling link), is left out.
 *
 * Throws FallbackError naming the reason when `dir` is not inside a git work tree or git is not
 * installed: "no codebase" must not read as an empty one.
 */
export async function listTrackedFiles(dir: string): Promise<CodebaseFile[]> {
  const paths = (await gitLsFiles(dir)).split("\0").filter((path) => path !== "");
  const files: CodebaseFile[] = [];
  // A few hundred stats at a time: fast on a large repository without a file descriptor storm.
  const BATCH = 256;
  for (let i = 0; i < paths.length; i += BATCH) {
    const batch = paths.slice(i, i + BATCH);
    const sizes = await Promise.all(
      batch.map((path) =>
        stat(join(dir, path)).then(
          (info) => (info.isFile() ? info.size : null),
          () => null,
        ),
      ),
    );
    batch.forEach((path, index) => {
      const bytes = sizes[index];
      if (bytes !== null && bytes !== undefined) files.push({ path, bytes });
    });
  }
  return files;
}

/** Up to a few million paths. */
const MAX_LISTING_BYTES = 256 * 1024 * 1024;

function gitLsFiles(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["-C", dir, "ls-files", "-z"],
      {
        encoding: "utf8",
        timeout: 30_000,
        maxBuffer: MAX_LISTING_BYTES,
        // Reading only: never take the index lock another git command may be waiting for.
        env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(new FallbackError("the codebase estimate needs `git`; it is not on PATH"));
        }
        const why = stderr.trim().split("\n")[0] || error.message;
        reject(new FallbackError(`cannot list the tracked files of ${dir}: ${why}`));
      },
    );
  });
}

/**
 * Fuzzing where transcripts are looked for (issue #6): arbitrary working directories and session
 * ids (what `monitor --session ID` passes on from the user) never throw, and a session id can only
 * ever name a `<id>.jsonl` file directly inside a project directory, never a path elsewhere.
 * Fixed seeds, bounded runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  currentTranscript,
  findSessionTranscript,
  listTranscripts,
  projectDirsFor,
  projectSlug,
} from "./find.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

let root: string;
let env: Record<string, string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cf-find-fuzz-"));
  env = { CLAUDE_CONFIG_DIR: join(root, "cfg") };
  const projects = join(root, "cfg", "projects");
  // A few real transcripts, a directory named like one, and a file outside the projects.
  for (const [path, content] of [
    ["-home-u-p/sess-1.jsonl", "{}\n"],
    ["-home-u-p/sub/agent.jsonl", "{}\n"],
    ["-home-u-q/..jsonl", "{}\n"],
  ] as const) {
    mkdirSync(dirname(join(projects, path)), { recursive: true });
    writeFileSync(join(projects, path), content);
  }
  mkdirSync(join(projects, "-home-u-q", "dir.jsonl"), { recursive: true });
  writeFileSync(join(root, "cfg", "outside.jsonl"), "{}\n");
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constantFrom("", ".", "..", "../outside", "/", "sess-1/../../outside", "dir", "\u0000", "sess-1\u0000"),
);

describe("transcript lookup on arbitrary input", () => {
  test("projectSlug: only letters, digits and '-', one per UTF-16 unit", () => {
    fc.assert(
      fc.property(anyText, (cwd) => {
        const slug = projectSlug(cwd);
        expect(slug).toMatch(/^[A-Za-z0-9-]*$/);
        expect(slug).toHaveLength(cwd.length);
      }),
      { seed: 6350, numRuns: 1000 },
    );
  });

  test("projectDirsFor and currentTranscript: no throw; directories within the projects root", () => {
    fc.assert(
      fc.property(anyText, fc.integer(), (cwd, startedAt) => {
        const dirs = projectDirsFor(cwd, env);
        // An empty cwd (never a real one) has the empty slug: the projects root itself.
        const projects = join(root, "cfg", "projects");
        for (const dir of dirs) expect(dir === projects || dirname(dir) === projects).toBe(true);
        currentTranscript(dirs, startedAt);
      }),
      { seed: 6351, numRuns: 500 },
    );
  });

  test("findSessionTranscript: no throw; only a file `<id>.jsonl` directly in a project", () => {
    fc.assert(
      fc.property(anyText, (id) => {
        const found = findSessionTranscript(id, env);
        if (found === null) return;
        expect(found.sessionId).toBe(id);
        expect(dirname(dirname(found.path))).toBe(join(root, "cfg", "projects"));
        expect(found.path.endsWith(`/${id}.jsonl`)).toBe(true);
      }),
      { seed: 6352, numRuns: 500 },
    );
    expect(findSessionTranscript("sess-1", env)?.path).toBe(
      join(root, "cfg", "projects", "-home-u-p", "sess-1.jsonl"),
    );
    expect(findSessionTranscript("../outside", env)).toBeNull();
    expect(findSessionTranscript("dir", env)).toBeNull();
  });

  test("listTranscripts on odd directories: files only, never a throw", () => {
    fc.assert(
      fc.property(anyText, (name) => {
        for (const file of listTranscripts(join(root, "cfg", "projects", name))) {
          expect(file.path.endsWith(".jsonl")).toBe(true);
        }
      }),
      { seed: 6353, numRuns: 300 },
    );
    expect(listTranscripts(join(root, "cfg", "projects", "-home-u-q")).map((file) => file.sessionId)).toEqual(
      ["."],
    );
  });
});

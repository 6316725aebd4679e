/**
 * Bad config files through the built command line (issue #6): `config validate --config FILE` on
 * generated broken files exits 2 with exactly one line on stderr naming the file, no stack trace.
 * The loader itself is fuzzed in depth by src/config/load.fuzz.test.ts; this checks that what it
 * throws reaches the user as SPEC §3 says. Fixed seed, a handful of files (each run starts node).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, expect, test } from "vitest";
import { killLiveProcesses, runProcess } from "./harness/claude.js";
import { CLI } from "./harness/cli.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-config-cli-fuzz-"));
});

afterEach(() => {
  killLiveProcesses();
  rmSync(dir, { recursive: true, force: true });
});

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, CLAUDE_FALLBACK_HOME: join(dir, "home") };
  delete env.CLAUDE_FALLBACK_CONFIG;
  delete env.CLAUDE_FALLBACK_API_KEY;
  delete env.CLAUDE_FALLBACK_DEBUG;
  return env;
}

const KEYS = [
  "auto_switch",
  "prompt_timeout_seconds",
  "cost_limit_per_day",
  "notifications",
  "pricing",
  "menu_key",
];

/** Files that are certainly invalid: not JSON, or JSON the schema refuses. */
const badFile = fc.oneof(
  // Bytes that are not a JSON object (a leading `x` makes sure), invalid UTF-8 included.
  fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.concat([Buffer.from("x"), bytes])),
  // A known key with a value of the wrong kind.
  fc
    .tuple(
      fc.constantFrom(...KEYS),
      fc.constantFrom('"NaN"', "1e400", "-1", "[[[]]]", '"\\u2028\\u009b"', "{}"),
    )
    .filter(([key, value]) => !(value === "{}" && (key === "notifications" || key === "pricing")))
    .map(([key, value]) => Buffer.from(`\uFEFF{"${key}": ${value}}`)),
  // An unknown key holding control characters, and deep nesting.
  fc
    .string({ unit: "binary", minLength: 1, maxLength: 20 })
    .map((key) => Buffer.from(JSON.stringify({ [`zz${key}`]: 1 }))),
  fc.integer({ min: 1000, max: 100_000 }).map((depth) => Buffer.from(`{"pricing": ${"[".repeat(depth)}`)),
);

test("config validate on generated bad files: exit 2, one line per problem on stderr naming the file, no stack", async () => {
  const path = join(dir, "config.json");
  await fc.assert(
    fc.asyncProperty(badFile, async (content) => {
      writeFileSync(path, content);
      chmodSync(path, 0o600);
      const result = await runProcess(process.execPath, [CLI, "config", "validate", "--config", path], {
        cwd: dir,
        env: cleanEnv(),
        timeoutMs: 30_000,
      });
      expect(result.stdout).toBe("");
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.endsWith("\n")).toBe(true);
      for (const line of result.stderr.slice(0, -1).split("\n")) {
        expect(line.startsWith(`claude-fallback: config file ${path}`)).toBe(true);
        expect(line).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
      }
      expect(result.stderr).not.toMatch(/^\s*at /m);
    }),
    { seed: 6320, numRuns: 10 },
  );
});

test("control characters and line separators in the file reach stderr escaped, on one line", async () => {
  const path = join(dir, "config.json");
  writeFileSync(path, '{"zz\u2028\u009b\u007f": 1}');
  chmodSync(path, 0o600);
  const result = await runProcess(process.execPath, [CLI, "config", "validate", "--config", path], {
    cwd: dir,
    env: cleanEnv(),
    timeoutMs: 30_000,
  });
  expect(result.code).toBe(2);
  expect(
    result.stderr.startsWith(`claude-fallback: config file ${path}: unknown key "zz\\u2028\\u009b\\u007f"`),
  ).toBe(true);
  expect(result.stderr.indexOf("\n")).toBe(result.stderr.length - 1);
  expect(result.stderr.slice(0, -1)).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
});

test("a valid file still validates (the generator above is not just refusing everything)", async () => {
  const path = join(dir, "config.json");
  writeFileSync(path, '\uFEFF{"auto_switch": true, "pricing": {"m": {"input": 1, "output": 5}}}');
  chmodSync(path, 0o600);
  const result = await runProcess(process.execPath, [CLI, "config", "validate", "--config", path], {
    cwd: dir,
    env: cleanEnv(),
    timeoutMs: 30_000,
  });
  expect(result).toMatchObject({ code: 0, stderr: "", stdout: `valid: ${path}\n` });
});

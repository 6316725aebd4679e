import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import type { VersionProbe } from "./locate.js";
import { cachedClaudeVersion as cachedProbe, versionCacheFile } from "./version-cache.js";

let dir: string;
let claude: string;
let stateDir: string;
let asked: string[];

/** A stand-in for `claude --version` that counts how often it is asked. */
const probe =
  (answer: string | null) =>
  async (path: string): Promise<VersionProbe> => {
    asked.push(path);
    return answer === null
      ? { version: null, problem: "`claude --version` gave no version" }
      : { version: answer };
  };

/** The version the cache gives (its problem, when there is none, is the probe's). */
const cachedClaudeVersion = async (...args: Parameters<typeof cachedProbe>) =>
  (await cachedProbe(...args)).version;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "cf-version-cache-")));
  claude = join(dir, "claude");
  writeFileSync(claude, "#!/bin/sh\necho '2.1.332 (Claude Code)'\n");
  chmodSync(claude, 0o755);
  stateDir = join(dir, "state");
  asked = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("asks claude once; the next runs of the same executable read the answer", async () => {
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.332"))).toBe("2.1.332");
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("9.9.9"))).toBe("2.1.332");
  expect(asked).toEqual([claude]);
});

test("the real `claude --version` is what is asked by default", async () => {
  expect(await cachedClaudeVersion(claude, stateDir, {})).toBe("2.1.332");
});

test("an executable changed in place (an update) is asked again", async () => {
  await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.332"));
  writeFileSync(claude, "#!/bin/sh\necho '2.1.400 (Claude Code)'\n");
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.400"))).toBe("2.1.400");
  utimesSync(claude, new Date(2030, 0, 1), new Date(2030, 0, 1));
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.401"))).toBe("2.1.401");
  expect(asked).toHaveLength(3);
});

test("a link moved to another executable is asked again; each target keeps its own answer", async () => {
  const other = join(dir, "claude-2");
  writeFileSync(other, "#!/bin/sh\necho '2.1.80 (Claude Code)'\n");
  chmodSync(other, 0o755);
  const link = join(dir, "link");
  symlinkSync(claude, link);
  expect(await cachedClaudeVersion(link, stateDir, {}, probe("2.1.332"))).toBe("2.1.332");
  rmSync(link);
  symlinkSync(other, link);
  expect(await cachedClaudeVersion(link, stateDir, {}, probe("2.1.80"))).toBe("2.1.80");
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("never asked"))).toBe("2.1.332");
  expect(asked).toHaveLength(2);
});

test("no version read is not remembered: the next run asks again", async () => {
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe(null))).toBeNull();
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.332"))).toBe("2.1.332");
  expect(asked).toHaveLength(2);
});

test("a damaged cache file is asked past and written anew", async () => {
  await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.332"));
  writeFileSync(versionCacheFile(stateDir), "{ not json");
  expect(await cachedClaudeVersion(claude, stateDir, {}, probe("2.1.332"))).toBe("2.1.332");
  expect(JSON.parse(readFileSync(versionCacheFile(stateDir), "utf8"))).toMatchObject({
    [claude]: { value: "2.1.332" },
  });
});

test("a state directory that cannot be written costs only the saving", async () => {
  const blocked = join(dir, "file-not-dir");
  writeFileSync(blocked, "");
  expect(await cachedClaudeVersion(claude, join(blocked, "state"), {}, probe("2.1.332"))).toBe("2.1.332");
});

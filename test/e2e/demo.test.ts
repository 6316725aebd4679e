/**
 * `claude-fallback demo` end to end (SPEC §9): the built command with the pinned real `claude`,
 * piped stdio (not a terminal), so only the narration and the summary are printed.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, expect, test } from "vitest";
import { killLiveProcesses, runProcess, testedClaudeBinary } from "./harness/claude.js";
import { CLI } from "./harness/cli.js";

afterEach(() => killLiveProcesses());

const demoDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith("claude-fallback-demo-"));

test("the demo tells the whole story offline and cleans up after itself", async () => {
  const before = demoDirs();
  const result = await runProcess(process.execPath, [CLI, "demo", "--claude", testedClaudeBinary()], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", TZ: "UTC" },
    timeoutMs: 150_000,
  });
  const out = result.stdout;
  expect(result.stderr, out).toBe("");
  expect(result.code, `${out}\n${result.stderr}`).toBe(0);
  for (let step = 1; step <= 5; step++) expect(out).toContain(`▶ ${step}/5 `);
  expect(out).not.toContain("\x1b[");

  const sessions = [...out.matchAll(/session ([0-9a-f-]{36})/g)].map((match) => match[1]);
  expect(sessions.length).toBeGreaterThanOrEqual(3);
  expect(new Set(sessions).size).toBe(1);
  expect(out).toMatch(/continued on api · session /);
  expect(out).toContain("the same before the switch, on API billing and after the revert");

  const api = /Requests\s+subscription (\d+) \((\d+) refused at the limit\) · api (\d+)/.exec(out);
  expect(api, out).not.toBeNull();
  expect(Number(api![2])).toBeGreaterThan(0);
  expect(Number(api![3])).toBeGreaterThan(0);
  expect(out).toMatch(/API cost\s+\$\d+\.\d\d \(exactly \$[\d.]+, [\d,]+ nano-dollars\), from the ledger/);

  expect(out).toContain("✓ reverted to the subscription at the reset");
  expect(out).toContain("the last prompt went back to the subscription (HTTP 200)");
  expect(out).toContain("Summary: the whole story, offline");
  expect(demoDirs()).toEqual(before);
});

test("without any claude: one clear line, exit 2", async () => {
  const result = await runProcess(process.execPath, [CLI, "demo", "--claude", "/nonexistent/claude"], {
    cwd: tmpdir(),
    env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME },
    timeoutMs: 20_000,
  });
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toContain("--claude");
});

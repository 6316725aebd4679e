/**
 * `usage --subscription` and `forecast` when transcripts cannot be read. Root reads any file whatever its mode,
 * so the refusals are made here by `node:fs` itself (test/e2e/unreadable-files.test.ts makes them
 * with real permissions, as an unprivileged user).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { resolvePaths } from "../state/paths.js";
import { ledgerPath } from "../usage/ledger.js";
import { forecastCommand } from "./forecast.js";
import { runUsageCommand } from "./usage.js";

/** Paths that refuse to be read or looked into, as a mode of 000 does for anyone but root. */
const closed = new Set<string>();

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const refuse = (path: unknown) => {
    if (closed.has(String(path))) {
      throw Object.assign(new Error(`EACCES: permission denied, '${String(path)}'`), { code: "EACCES" });
    }
  };
  return {
    ...fs,
    readdirSync: ((path: string, ...rest: unknown[]) => {
      refuse(path);
      return (fs.readdirSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.readdirSync,
    openSync: ((path: string, ...rest: unknown[]) => {
      refuse(path);
      return (fs.openSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.openSync,
    statSync: ((path: string, ...rest: unknown[]) => {
      for (const dir of closed) if (String(path).startsWith(`${dir}/`)) refuse(dir);
      return (fs.statSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.statSync,
  };
});

let dir: string;
let projects: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-usage-closed-"));
  projects = join(dir, ".claude", "projects");
  for (const [project, at] of [
    ["-home-me-app", "2026-11-24T09:00:00Z"],
    ["-home-me-lib", "2026-11-24T10:00:00Z"],
  ] as const) {
    mkdirSync(join(projects, project), { recursive: true });
    const record = {
      type: "assistant",
      timestamp: at,
      sessionId: project,
      requestId: `req-${project}`,
      message: {
        id: `msg-${project}`,
        model: "claude-sonnet-4-5",
        usage: { input_tokens: 1000, output_tokens: 2000 },
      },
    };
    writeFileSync(join(projects, project, "s.jsonl"), `${JSON.stringify(record)}\n`);
  }
});

afterEach(() => {
  closed.clear();
  rmSync(dir, { recursive: true, force: true });
});

function usage(flags: { json?: boolean } = {}) {
  let out = "";
  let err = "";
  const code = runUsageCommand(
    "daily",
    { subscription: true, ...flags },
    {
      dbPath: ledgerPath(resolvePaths({ CLAUDE_FALLBACK_HOME: join(dir, "cf") }).dataDir),
      zone: "UTC",
      env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config") },
      write: (text) => (out += text),
      stderr: (text) => (err += text),
    },
  );
  return { code, out, err };
}

test("all readable: exit 0, nothing on stderr", () => {
  const { code, out, err } = usage();
  expect([code, err]).toEqual([0, ""]);
  expect(out).toMatch(/\nTotal\s+2\s+2,000\s+4,000/);
});

test("an unreadable transcript is named, the report says it is incomplete, exit 1: never taken as unused", () => {
  const file = join(projects, "-home-me-lib", "s.jsonl");
  closed.add(file);
  const { code, out, err } = usage();
  expect(code).toBe(1);
  expect(err).toBe(
    `claude-fallback: could not read ${file}; fix: let your user read it (chmod u+r ${file}); the subscription's figures leave it out\n`,
  );
  expect(out).toMatch(/\nTotal\s+1\s+1,000\s+2,000/);
  expect(out).toContain(
    "Incomplete: 1 transcript file or folder could not be read (named on stderr); their requests are not counted.",
  );
  expect(JSON.parse(usage({ json: true }).out).subscription.unreadable).toEqual([file]);
  expect(usage({ json: true }).code).toBe(1);
});

test("an unreadable project folder, or every one: not known, never 'No subscription usage'", () => {
  closed.add(join(projects, "-home-me-lib"));
  expect(usage().err).toBe(
    `claude-fallback: could not read ${join(projects, "-home-me-lib")}/; fix: let your user read it (chmod u+rx ${join(projects, "-home-me-lib")}/); the subscription's figures leave it out\n`,
  );
  closed.add(join(projects, "-home-me-app"));
  const { code, out } = usage();
  expect(code).toBe(1);
  expect(out).toContain("Not known: 2 transcript files or folders could not be read (named on stderr).");
  expect(out).not.toContain("No subscription usage");
});

test("a config directory that cannot be looked into is not one without transcripts", () => {
  closed.add(join(dir, ".claude"));
  const { code, out, err } = usage();
  expect(code).toBe(1);
  expect(err).toBe(
    `claude-fallback: could not read ${join(dir, ".claude")}/; fix: let your user read it (chmod u+rx ${join(dir, ".claude")}/); the subscription's figures leave it out\n`,
  );
  expect(out).toContain("Not known: 1 transcript file or folder could not be read (named on stderr).");
  expect(out).not.toContain("No Claude Code transcripts found");
});

test("forecast names an unreadable transcript, and does not reuse that report once it is readable again", async () => {
  const file = join(projects, "-home-me-lib", "s.jsonl");
  const forecast = async () => {
    let err = "";
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, ".config"),
      CLAUDE_FALLBACK_HOME: join(dir, "cf"),
      TZ: "UTC",
    };
    const io = {
      env,
      cwd: dir,
      now: Date.UTC(2026, 10, 25),
      stderr: (t: string) => (err += t),
      write: () => {},
    };
    return { code: await forecastCommand({}, io), err };
  };
  closed.add(file);
  expect(await forecast()).toEqual({
    code: 1,
    err: `claude-fallback: could not read ${file}; fix: let your user read it (chmod u+r ${file}); the forecast leaves it out\n`,
  });
  closed.clear();
  expect(await forecast()).toEqual({ code: 0, err: "" });
});

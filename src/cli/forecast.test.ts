import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Settings } from "luxon";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { fieldNames, fieldPaths, readmeJsonDocs } from "../../test/support/readme.js";
import { projectSlug } from "../claude/transcripts/find.js";
import { resolvePaths } from "../state/paths.js";
import { writeLiveRun } from "../state/runs.js";
import { stateFile, updateState } from "../state/store.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { collectForecast, forecastCommand, renderForecastText } from "./forecast.js";

const NOW = Date.UTC(2030, 0, 15, 10, 0);
const HOUR = 3_600_000;
const SESSION = "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40";
let home: string;
let project: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cf-forecast-"));
  project = join(home, "work", "app");
  mkdirSync(project, { recursive: true });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Two weeks of steady work in one project: a request every 5 minutes, 10:00–12:00 each day. */
function seedHistory(): void {
  const dir = join(home, ".claude", "projects", projectSlug(project));
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  let n = 0;
  for (let day = 14; day >= 1; day--) {
    for (let minute = 0; minute < 120; minute += 5) {
      const at = NOW - day * 24 * HOUR + minute * 60_000;
      lines.push(
        JSON.stringify({
          type: "assistant",
          timestamp: new Date(at).toISOString(),
          sessionId: SESSION,
          cwd: project,
          requestId: `req_${n}`,
          message: {
            id: `msg_${n++}`,
            model: "claude-sonnet-4-5",
            usage: {
              input_tokens: 2000,
              output_tokens: 400,
              cache_read_input_tokens: 40_000,
              cache_creation_input_tokens: 1000,
            },
          },
        }),
      );
    }
  }
  const file = join(dir, `${SESSION}.jsonl`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  // Written "now" (2030): older files are skipped as outside the window.
  utimesSync(file, NOW / 1000, NOW / 1000);
  const paths = resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") });
  writeLiveRun(paths.stateDir, {
    runId: "run-1",
    pid: process.pid,
    claudePid: null,
    cwd: project,
    mode: "subscription",
    sessionId: SESSION,
    startedAt: NOW - HOUR,
    pending: null,
    shell: "pty",
  });
}

function io() {
  let out = "";
  let err = "";
  return {
    io: {
      env: { CLAUDE_FALLBACK_HOME: join(home, "cf"), HOME: home, TZ: "UTC" },
      cwd: home,
      now: NOW,
      stderr: (text: string) => (err += text),
      write: (text: string) => (out += text),
    },
    out: () => out,
    err: () => err,
  };
}

function limitInForce(): void {
  updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") }).stateDir), () => ({
    last_limit: { at: NOW - HOUR, resets_at: NOW + 3 * HOUR, window: "five_hour", assumed: false },
  }));
}

describe("forecast", () => {
  test("from history: the pace, until the limit's reset, when the session cap stops it, the next request", async () => {
    seedHistory();
    limitInForce();
    const report = await collectForecast({}, io().io);
    expect(report.basis).toMatchObject({ kind: "history", requests: 336 });
    expect(report.pace?.usd_per_hour).toBeGreaterThan(0);
    expect(report.until_reset.resets_at).toBe("2030-01-15T13:00:00.000Z");
    // Within 5 hours: working the whole time at the pace.
    expect(report.until_reset.usd).toBeCloseTo(3 * report.pace!.usd_per_hour, 6);
    expect(report.until_reset.caps.map((cap) => cap.name)).toEqual(["session"]);
    expect(report.sessions).toEqual([
      {
        session_id: SESSION,
        next_request: expect.objectContaining({
          model: "claude-sonnet-4-5",
          context_tokens: expect.any(Number),
        }),
      },
    ]);
    expect(report.projects.map((p) => p.project)).toEqual([project]);
    const text = renderForecastText(report);
    expect(text).toContain("Until reset:   about $");
    expect(text).toContain("if you keep working until the reset at 13:00");
    expect(text).toContain(`Session:       ${SESSION}: the first request re-sends this conversation`);
  });

  test.each(["Europe/Paris", "europe/paris", ":Europe/Paris", "/usr/share/zoneinfo/Europe/Paris"])(
    "TZ=%s, this process's own: the report of --tz Europe/Paris (in the other capitals too, which Date does not know)",
    async (tz) => {
      seedHistory();
      limitInForce();
      const saved = process.env.TZ;
      try {
        process.env.TZ = tz;
        const run = io().io;
        const ask = (opts: { tz?: string }) => {
          // Not the report cached by the other question.
          rmSync(join(resolvePaths(run.env).stateDir, "forecast.json"), { force: true });
          return collectForecast(opts, { ...run, env: { ...run.env, TZ: tz } });
        };
        const own = await ask({});
        expect(own.timezone).toBe("Europe/Paris");
        expect(own.until_reset.resets_at).toBe("2030-01-15T14:00:00.000+01:00");
        expect(own).toEqual(await ask({ tz: "Europe/Paris" }));
      } finally {
        process.env.TZ = saved;
      }
    },
  );

  test("in this process's zone, its name remembered: no Intl formatter (ICU's first is ~20 ms of a start)", async () => {
    seedHistory();
    limitInForce();
    const run = io().io;
    expect(run.env.TZ).toBe(process.env.TZ);
    // A ledger, so that the caps' spend is read too.
    openLedger(ledgerPath(resolvePaths(run.env).dataDir)).close();
    const first = await collectForecast({}, run);
    rmSync(join(resolvePaths(run.env).stateDir, "forecast.json"));
    Settings.resetCaches();
    const formatters = vi.spyOn(Intl, "DateTimeFormat");
    try {
      const again = await collectForecast({}, run);
      expect(again.basis.kind).toBe("history");
      expect(again).toEqual(first);
      expect(formatters).not.toHaveBeenCalled();
    } finally {
      formatters.mockRestore();
    }
  });

  test("without a limit in force, each window's reset from the last rate_limits", async () => {
    seedHistory();
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") }).stateDir), () => ({
      utilisation: {
        at: NOW,
        windows: {
          five_hour: { used_percentage: 70, resets_at: NOW + 2 * HOUR },
          seven_day: { used_percentage: 40, resets_at: NOW + 50 * HOUR },
        },
      },
    }));
    const report = await collectForecast({}, io().io);
    expect(report.until_reset.usd).toBeNull();
    expect(report.windows.map((w) => [w.window, w.until_reset.assumption])).toEqual([
      ["five_hour", "continuous"],
      ["seven_day", "daily_rhythm"],
    ]);
  });

  test("a project with no history: an estimate from its tracked files, labelled so", async () => {
    // Not a git work tree: nothing to estimate from, and it says so rather than $0.
    const report = await collectForecast({ project }, io().io);
    expect(report.basis.kind).toBe("none");
    expect(report.pace).toBeNull();
    expect(renderForecastText(report)).toContain("no history yet to forecast from");
  });

  test("too little history for a pace: no project's rate in the text either (the JSON keeps them)", async () => {
    const report = await collectForecast({}, io().io);
    const thin = {
      ...report,
      projects: [
        {
          project,
          active_hours: 0.05,
          requests: 3,
          last_request_at: new Date(NOW).toISOString(),
          usd_per_hour: 1.78,
          usd_per_hour_p50: 1.78,
          usd_per_hour_p90: 1.78,
        },
      ],
    };
    expect(thin.basis.kind).toBe("none");
    const text = renderForecastText(thin);
    expect(text).toContain("too little history yet to forecast from");
    expect(text).not.toContain("Projects:");
    seedHistory();
    rmSync(join(resolvePaths(io().io.env).stateDir, "forecast.json"), { force: true });
    expect(renderForecastText(await collectForecast({}, io().io))).toMatch(
      /^Projects: {6}\S+ \$\d+\.\d\d\/h/m,
    );
  });

  test("a ledger that cannot be read is named and the command exits 1; the figures leave it out", async () => {
    seedHistory();
    // A directory where the ledger file should be: unreadable even for root.
    mkdirSync(join(resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") }).dataDir, "usage.db"), {
      recursive: true,
    });
    const { io: env, err, out } = io();
    expect(await forecastCommand({}, env)).toBe(1);
    // One line in one voice: what could not be done, to which file, and what the forecast does.
    expect(err()).toMatch(
      /^claude-fallback: could not open the usage ledger \S*usage\.db: it is a directory, not a file; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place; the forecast leaves it out\n$/,
    );
    // The transcripts still count.
    expect(out()).toContain("Forecast:      from your last");
  });

  test("a damaged state file is named and the command exits 1: the limit it held is not taken as none", async () => {
    seedHistory();
    const file = stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") }).stateDir);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, '{"last_limit": {"at": 1');
    const { io: env, err, out } = io();
    expect(await forecastCommand({}, env)).toBe(1);
    expect(err()).toBe(
      `claude-fallback: state: ${file} is damaged (not valid JSON state); a \`use\` preference or a limit it held is not known; fix: the next \`claude-fallback use\` or run moves it aside (kept as ${file}.corrupt-<time>) and starts afresh; the forecast leaves it out\n`,
    );
    // The history still counts.
    expect(out()).toContain("Forecast:      from your last");
  });

  test("with nothing readable to forecast from, it says so: not known, never no history", async () => {
    mkdirSync(join(resolvePaths({ CLAUDE_FALLBACK_HOME: join(home, "cf") }).dataDir, "usage.db"), {
      recursive: true,
    });
    const { io: env, out } = io();
    expect(await forecastCommand({}, env)).toBe(1);
    expect(out()).toContain("Forecast:      not known: the history it is made from could not be read\n");
    expect(out()).not.toContain("no history yet");
  });

  test("status shows the same object as forecast --json", async () => {
    seedHistory();
    limitInForce();
    const { io: env, out } = io();
    await forecastCommand({ json: true }, env);
    const { collectStatus } = await import("./status.js");
    const status = await collectStatus({}, { ...env, zone: "UTC" });
    expect(status.forecast).toEqual(JSON.parse(out()));
  });
});

test("README.md's JSON output section documents exactly the fields `forecast --json` prints", async () => {
  seedHistory();
  limitInForce();
  const { io: env, out } = io();
  await forecastCommand({ json: true }, env);
  const report = JSON.parse(out());
  const docs = readmeJsonDocs("### `forecast --json`");
  expect(docs.examples).toHaveLength(1);
  expect([...fieldPaths(docs.examples[0])].sort()).toEqual([...fieldPaths(report)].sort());
  // The table also names the cold start's `codebase` fields (null in this example).
  const codebaseFields = [
    "files",
    "bytes",
    "tokens",
    "context_tokens",
    "requests_per_active_hour",
    "usd_per_request",
    "usd_per_hour",
    "low",
    "high",
  ];
  expect([...docs.fields].sort()).toEqual([...new Set([...fieldNames(report), ...codebaseFields])].sort());
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { UsageError } from "../../errors.js";
import { createPricing } from "../../pricing/pricing.js";
import { buildSubscriptionSection, type ReportKind } from "../../usage/report.js";
import { candidateConfigDirs, claudeConfigDirs } from "../config-dir.js";
import { listTranscriptFiles, readClaudeTranscripts, scanCandidateLines, scanTranscripts } from "./scan.js";

// All fixtures here are hand-written (not captured from a real Claude Code run). Their record shape
// follows what Claude Code writes: compact JSON, one record per line, one assistant record per
// streamed content block with the same message id + request id and a growing output_tokens.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-transcripts-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Rec {
  id?: string;
  req?: string;
  model?: string;
  at: string;
  session?: string;
  usage: Usage;
  text?: string;
  /** The record's `cwd`; null leaves the field out. */
  cwd?: string | null;
}

function assistant(rec: Rec): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: "external",
    ...(rec.cwd !== null && { cwd: rec.cwd ?? "/home/me/project" }),
    sessionId: rec.session ?? "sess-1",
    version: "2.0.31",
    gitBranch: "main",
    message: {
      ...(rec.model !== undefined && { model: rec.model }),
      ...(rec.id !== undefined && { id: rec.id }),
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: rec.text ?? "Done." }],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...rec.usage, service_tier: "standard" },
    },
    ...(rec.req !== undefined && { requestId: rec.req }),
    type: "assistant",
    uuid: `u-${Math.random()}`,
    timestamp: rec.at,
  });
}

function user(text: string, at = "2026-11-24T08:00:00.000Z"): string {
  return JSON.stringify({
    type: "user",
    sessionId: "sess-1",
    message: { role: "user", content: text },
    timestamp: at,
  });
}

function writeTree(root: string, files: Record<string, string[]>): void {
  for (const [name, lines] of Object.entries(files)) {
    const file = join(root, "projects", name);
    mkdirSync(resolve(file, ".."), { recursive: true });
    writeFileSync(file, lines.map((line) => `${line}\n`).join(""));
  }
}

const SONNET = "claude-sonnet-4-5-20250929";
const HAIKU = "claude-haiku-4-5-20251001";

/** A realistic fixture: streaming duplicates, synthetic, malformed lines, unknown model, two sessions. */
function fixtureFiles(): Record<string, string[]> {
  const u1 = {
    input_tokens: 3,
    cache_creation_input_tokens: 1200,
    cache_read_input_tokens: 15000,
    cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 1000 },
  };
  return {
    "-home-me-project/sess-1.jsonl": [
      JSON.stringify({ type: "summary", summary: "Fixing tests", leafUuid: "x" }),
      user("please fix the tests"),
      // One response streamed as three records (thinking, text, tool_use): keep the last.
      assistant({
        id: "msg_1",
        req: "req_1",
        model: SONNET,
        at: "2026-11-24T09:00:00.000Z",
        usage: { ...u1, output_tokens: 1 },
      }),
      assistant({
        id: "msg_1",
        req: "req_1",
        model: SONNET,
        at: "2026-11-24T09:00:01.000Z",
        usage: { ...u1, output_tokens: 40 },
      }),
      assistant({
        id: "msg_1",
        req: "req_1",
        model: SONNET,
        at: "2026-11-24T09:00:02.000Z",
        usage: { ...u1, output_tokens: 420 },
      }),
      user('tool result mentioning "type":"assistant" inside a string'),
      // Late evening UTC: the next day in Auckland.
      assistant({
        id: "msg_2",
        req: "req_2",
        model: HAIKU,
        at: "2026-11-24T23:30:00.000Z",
        usage: { input_tokens: 1000, output_tokens: 500 },
        text: "héllo ✓ 日本",
      }),
      // Claude Code's own error notice: never billed.
      assistant({
        id: "msg_syn",
        req: "req_syn",
        model: "<synthetic>",
        at: "2026-11-24T23:31:00.000Z",
        usage: { input_tokens: 0, output_tokens: 0 },
      }),
      '{"type":"assistant","message":{"usage":{"input_tokens":5', // truncated write
      "not json at all",
      "",
      // A long-context request (prompt > 200k): every token at the long rates.
      assistant({
        id: "msg_3",
        req: "req_3",
        model: SONNET,
        at: "2026-11-25T10:00:00.000Z",
        usage: { input_tokens: 150_000, cache_read_input_tokens: 60_000, output_tokens: 2000 },
      }),
      // A record without ids: counted on its own.
      assistant({
        model: SONNET,
        at: "2026-11-25T10:05:00.000Z",
        usage: { input_tokens: 10, output_tokens: 10 },
      }),
      // An assistant-looking record without a timestamp / usage: skipped.
      '{"type":"assistant","message":{"id":"msg_x","model":"claude-sonnet-4-5"},"requestId":"req_x","timestamp":"2026-11-25T10:06:00Z"}',
    ],
    "-home-me-other/sess-2.jsonl": [
      assistant({
        id: "msg_4",
        req: "req_4",
        model: "claude-nonexistent-9",
        at: "2026-12-01T12:00:00.000Z",
        session: "sess-2",
        usage: { input_tokens: 100, output_tokens: 100 },
      }),
      assistant({
        id: "msg_5",
        req: "req_5",
        model: HAIKU,
        at: "2026-12-01T12:01:00.000Z",
        session: "sess-2",
        usage: { input_tokens: 7, output_tokens: 1 },
      }),
      assistant({
        id: "msg_5",
        req: "req_5",
        model: HAIKU,
        at: "2026-12-01T12:01:02.000Z",
        session: "sess-2",
        usage: { input_tokens: 7, output_tokens: 300 },
      }),
      // A sub-agent's progress record embeds an assistant message: not a top-level response.
      JSON.stringify({
        type: "progress",
        data: {
          message: {
            type: "assistant",
            message: { id: "msg_9", usage: { input_tokens: 1e6, output_tokens: 1e6 } },
          },
        },
        timestamp: "2026-12-01T12:02:00.000Z",
      }),
    ],
    // Sub-agent transcripts live in a session sub-folder.
    "-home-me-other/sess-2/subagents/agent-1.jsonl": [
      assistant({
        id: "msg_6",
        req: "req_6",
        model: HAIKU,
        at: "2026-12-01T12:03:00.000Z",
        session: "sess-2",
        usage: { input_tokens: 50, output_tokens: 60 },
      }),
    ],
  };
}

// ── Independent computation, written differently: whole-file reads, split, naive reduce ──────────

/** $ per million tokens for the fixture models: [input, output, write 5m, write 1h, read]. */
const RATES: Record<string, { base: number[]; long?: number[] }> = {
  [SONNET]: { base: [3, 15, 3.75, 6, 0.3], long: [6, 22.5, 7.5, 12, 0.6] },
  [HAIKU]: { base: [1, 5, 1.25, 2, 0.1] },
};

interface Naive {
  requests: number;
  input: number;
  output: number;
  w5: number;
  w1: number;
  read: number;
  nano: number;
  unknown: number;
  byKey: Record<string, number>;
}

function naiveTotals(
  files: string[],
  keyOf: (rec: { timestamp: string; sessionId: string }) => string,
): Naive {
  const records = files
    .flatMap((file) => readFileSync(file, "utf8").split("\n"))
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return undefined;
      }
    })
    .filter((r) => r?.type === "assistant" && r.message?.usage && typeof r.timestamp === "string");
  const kept = Object.values(
    records.reduce<Record<string, (typeof records)[number]>>((acc, r, i) => {
      const key = r.message.id && r.requestId ? `${r.message.id}/${r.requestId}` : `#${i}`;
      acc[key] = r; // later records overwrite: keep the last
      return acc;
    }, {}),
  ).filter((r) => r.message.model !== "<synthetic>");
  return kept.reduce<Naive>(
    (t, r) => {
      const u = r.message.usage;
      const w1 = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
      const w5 = (u.cache_creation_input_tokens ?? 0) - w1;
      const tokens = [u.input_tokens ?? 0, u.output_tokens ?? 0, w5, w1, u.cache_read_input_tokens ?? 0];
      const rates = RATES[r.message.model];
      const prompt = tokens[0]! + tokens[2]! + tokens[3]! + tokens[4]!;
      const rate = rates && (prompt > 200_000 && rates.long ? rates.long : rates.base);
      const nano = rate ? tokens.reduce((sum, n, i) => sum + Math.round(n * rate[i]! * 1000), 0) : 0;
      const key = keyOf(r);
      return {
        requests: t.requests + 1,
        input: t.input + tokens[0]!,
        output: t.output + tokens[1]!,
        w5: t.w5 + w5,
        w1: t.w1 + w1,
        read: t.read + tokens[4]!,
        nano: t.nano + nano,
        unknown: t.unknown + (rate ? 0 : 1),
        byKey: { ...t.byKey, [key]: (t.byKey[key] ?? 0) + 1 },
      };
    },
    { requests: 0, input: 0, output: 0, w5: 0, w1: 0, read: 0, nano: 0, unknown: 0, byKey: {} },
  );
}

function dayIn(zone: string) {
  return (r: { timestamp: string }) =>
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date(r.timestamp));
}

function allFiles(root: string): string[] {
  return Object.keys(fixtureFiles()).map((name) => join(root, "projects", name));
}

describe("subscription usage from transcripts", () => {
  const cases: {
    kind: ReportKind;
    zone: string;
    keyOf: (r: { timestamp: string; sessionId: string }) => string;
  }[] = [
    { kind: "daily", zone: "UTC", keyOf: dayIn("UTC") },
    { kind: "daily", zone: "Pacific/Auckland", keyOf: dayIn("Pacific/Auckland") },
    { kind: "monthly", zone: "UTC", keyOf: (r) => dayIn("UTC")(r).slice(0, 7) },
    {
      kind: "monthly",
      zone: "America/Los_Angeles",
      keyOf: (r) => dayIn("America/Los_Angeles")(r).slice(0, 7),
    },
    { kind: "session", zone: "UTC", keyOf: (r) => r.sessionId },
  ];

  test.each(cases)("$kind in $zone matches an independent computation", ({ kind, zone, keyOf }) => {
    const root = join(dir, ".claude");
    writeTree(root, fixtureFiles());
    const scan = scanTranscripts([root]);
    const section = buildSubscriptionSection(scan, { kind, zone }, createPricing());
    const naive = naiveTotals(allFiles(root), keyOf);

    expect(section.totals).toMatchObject({
      requests: naive.requests,
      input_tokens: naive.input,
      output_tokens: naive.output,
      cache_write_5m_tokens: naive.w5,
      cache_write_1h_tokens: naive.w1,
      cache_read_tokens: naive.read,
      cost_nanousd: naive.nano,
      unknown_cost_requests: naive.unknown,
    });
    expect(Object.fromEntries(section.rows.map((row) => [row.key, row.requests]))).toEqual(naive.byKey);
    // Per-row sums add up to the totals.
    expect(section.rows.reduce((sum, row) => sum + (row.cost_nanousd ?? 0), 0)).toBe(naive.nano);
  });

  test("dedupe, synthetic, malformed and nested records are counted as documented", () => {
    const root = join(dir, ".claude");
    writeTree(root, fixtureFiles());
    const scan = scanTranscripts([root]);
    expect(scan).toMatchObject({
      files: 3,
      records: 11, // 3 + 1 + 1 synthetic + 1 + 1 no-ids (sess-1), 3 (sess-2), 1 (agent)
      duplicates: 3, // msg_1 twice, msg_5 once
      synthetic: 1,
      skipped: 2, // the truncated line and the record without a timestamp'd usage
      withoutIds: 1,
    });
    expect(scan.entries).toHaveLength(7);
    const msg1 = scan.entries.find((e) => e.usage.cache_creation_1h_input_tokens === 1000);
    expect(msg1?.usage.output_tokens).toBe(420); // the LAST streaming record
    expect(msg1?.at).toBe(Date.parse("2026-11-24T09:00:02.000Z"));
  });

  test("entries carry the record's cwd (the project), null when absent or empty", () => {
    const root = join(dir, ".claude");
    const usage = { input_tokens: 1, output_tokens: 1 };
    const at = "2026-11-24T09:00:00.000Z";
    writeTree(root, {
      "-p/s.jsonl": [
        assistant({ id: "m1", req: "r1", model: SONNET, at, usage, cwd: "/work/app" }),
        assistant({ id: "m2", req: "r2", model: SONNET, at, usage, cwd: null }),
        assistant({ id: "m3", req: "r3", model: SONNET, at, usage, cwd: "" }),
        // A later streaming record of m1 from another directory: the kept (last) one's cwd wins.
        assistant({ id: "m1", req: "r1", model: SONNET, at, usage, cwd: "/work/app/sub" }),
      ],
    });
    const cwds = scanTranscripts([root]).entries.map((entry) => entry.cwd);
    expect(cwds).toEqual(["/work/app/sub", null, null]);
  });

  test("the known cost of the fixture, worked by hand", () => {
    const root = join(dir, ".claude");
    writeTree(root, fixtureFiles());
    const section = buildSubscriptionSection(
      scanTranscripts([root]),
      { kind: "daily", zone: "UTC" },
      createPricing(),
    );
    // msg_1 sonnet: 3×3 + 420×15 + 200×3.75 + 1000×6 + 15000×0.3 = 9+6300+750+6000+4500 = 17 559 µ$
    // msg_2 haiku: 1000×1 + 500×5 = 3500 µ$; msg_3 sonnet long: 150k×6 + 60k×0.6 + 2000×22.5 = 981 000 µ$
    // no-ids sonnet: 10×3 + 10×15 = 180 µ$; msg_5 haiku: 7 + 1500 = 1507 µ$; msg_6 haiku: 50 + 300 = 350 µ$
    expect(section.totals.cost_nanousd).toBe((17_559 + 3500 + 981_000 + 180 + 1507 + 350) * 1000);
    expect(section.totals.unknown_cost_requests).toBe(1);
    const dec1 = section.rows.find((row) => row.key === "2026-12-01")!;
    const unknown = dec1.models.find((m) => m.model === "claude-nonexistent-9")!;
    expect(unknown).toMatchObject({
      requests: 1,
      cost_nanousd: null,
      cost_usd: null,
      unknown_cost_requests: 1,
    });
  });

  test("--since / --until filter by local day; run grouping is refused", () => {
    const root = join(dir, ".claude");
    writeTree(root, fixtureFiles());
    const scan = scanTranscripts([root]);
    const pricing = createPricing();
    const utc = buildSubscriptionSection(
      scan,
      { kind: "daily", zone: "UTC", since: "2026-11-25", until: "2026-11-25" },
      pricing,
    );
    expect(utc.rows.map((row) => row.key)).toEqual(["2026-11-25"]);
    expect(utc.totals.requests).toBe(2);
    const akl = buildSubscriptionSection(
      scan,
      { kind: "daily", zone: "Pacific/Auckland", since: "2026-11-25", until: "2026-11-25" },
      pricing,
    );
    expect(akl.totals.requests).toBe(3); // msg_2 (23:30Z on the 24th), msg_3 and the no-ids one (10:00Z, 10:05Z)
    expect(() => buildSubscriptionSection(scan, { kind: "run", zone: "UTC" }, pricing)).toThrow(UsageError);
  });

  test("config pricing overrides apply and can price an unknown model", () => {
    const root = join(dir, ".claude");
    writeTree(root, fixtureFiles());
    const pricing = createPricing({ "claude-nonexistent-9": { input: 1, output: 1 } });
    const section = buildSubscriptionSection(
      scanTranscripts([root]),
      { kind: "daily", zone: "UTC" },
      pricing,
    );
    expect(section.totals.unknown_cost_requests).toBe(0);
    expect(section.totals.cost_nanousd).toBe((17_559 + 3500 + 981_000 + 180 + 1507 + 350 + 200) * 1000);
  });

  test("a duplicate across files keeps the record of the later file (path order)", () => {
    const root = join(dir, ".claude");
    const rec = { id: "msg_a", req: "req_a", model: HAIKU, at: "2026-11-24T09:00:00.000Z" };
    writeTree(root, {
      "p/a.jsonl": [assistant({ ...rec, usage: { input_tokens: 1, output_tokens: 1 } })],
      "p/b.jsonl": [assistant({ ...rec, usage: { input_tokens: 1, output_tokens: 99 } })],
    });
    const scan = scanTranscripts([root]);
    expect(scan.entries.map((e) => e.usage.output_tokens)).toEqual([99]);
    expect(scan.duplicates).toBe(1);
  });

  test("empty and missing trees are empty, not errors", () => {
    expect(scanTranscripts([join(dir, "nope")])).toMatchObject({ files: 0, records: 0, entries: [] });
    const section = buildSubscriptionSection(
      scanTranscripts([]),
      { kind: "daily", zone: "UTC" },
      createPricing(),
    );
    expect(section.rows).toEqual([]);
    expect(section.totals).toMatchObject({ requests: 0, cost_nanousd: 0 });
  });
});

describe("streaming reader", () => {
  test("lines across 4 MiB chunk boundaries and a line longer than the buffer", () => {
    const file = join(dir, "big.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 15_000; i++) {
      lines.push(
        i % 3 === 0
          ? user("x".repeat(200))
          : assistant({
              id: `m${i}`,
              req: `r${i}`,
              model: HAIKU,
              at: "2026-11-24T09:00:00Z",
              usage: { input_tokens: i, output_tokens: 1 },
              text: "y".repeat(400),
            }),
      );
    }
    lines.splice(
      15_000,
      0,
      assistant({
        id: "huge",
        req: "huge",
        model: HAIKU,
        at: "2026-11-24T09:00:00Z",
        usage: { input_tokens: 1, output_tokens: 1 },
        text: "z".repeat(5 * 1024 * 1024),
      }),
    );
    writeFileSync(file, lines.join("\n")); // no final newline
    const seen: string[] = [];
    const size = scanCandidateLines(file, (line) => seen.push(JSON.parse(line).message.id));
    const expected = lines
      .filter((line) => line.includes('"type":"assistant"'))
      .map((line) => JSON.parse(line).message.id);
    expect(seen).toEqual(expected);
    expect(seen).toContain("huge");
    expect(size).toBe(Buffer.byteLength(lines.join("\n")));
  }, 30_000);
});

describe("where the transcripts are", () => {
  test("CLAUDE_CONFIG_DIR: a comma-separated list, trimmed, deduplicated, only dirs with projects/", () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    const noProjects = join(dir, "c");
    mkdirSync(join(a, "projects"), { recursive: true });
    mkdirSync(join(b, "projects"), { recursive: true });
    mkdirSync(noProjects, { recursive: true });
    const env = { CLAUDE_CONFIG_DIR: ` ${a} ,${noProjects},, ${b},${a}/`, HOME: dir };
    expect(claudeConfigDirs(env)).toEqual([a, b]);
    expect(candidateConfigDirs(env)).toEqual([a, noProjects, b, a]);
  });

  test("without CLAUDE_CONFIG_DIR: XDG config claude/ and ~/.claude, both read", () => {
    const home = join(dir, "home");
    writeTree(join(home, ".claude"), {
      "p/s.jsonl": [
        assistant({
          id: "m1",
          req: "r1",
          model: HAIKU,
          at: "2026-11-24T09:00:00Z",
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      ],
    });
    writeTree(join(home, ".config", "claude"), {
      "p/s.jsonl": [
        assistant({
          id: "m2",
          req: "r2",
          model: HAIKU,
          at: "2026-11-24T09:00:00Z",
          usage: { input_tokens: 2, output_tokens: 1 },
        }),
      ],
    });
    const env = { HOME: home, CLAUDE_CONFIG_DIR: "  " };
    expect(claudeConfigDirs(env)).toEqual([join(home, ".config", "claude"), join(home, ".claude")]);
    const scan = readClaudeTranscripts(env);
    expect(scan.entries.map((e) => e.usage.input_tokens).sort()).toEqual([1, 2]);
    const xdg = join(dir, "xdg");
    writeTree(join(xdg, "claude"), { "p/s.jsonl": [] });
    expect(claudeConfigDirs({ HOME: home, XDG_CONFIG_HOME: xdg })).toEqual([
      join(xdg, "claude"),
      join(home, ".claude"),
    ]);
  });

  test("only .jsonl files, recursively, in path order", () => {
    writeTree(dir, { "b/x.jsonl": [], "a/y.jsonl": [], "a/z.json": [], "a/s/t.jsonl": [] });
    expect(listTranscriptFiles(join(dir, "projects")).map((f) => f.slice(dir.length))).toEqual([
      "/projects/a/s/t.jsonl",
      "/projects/a/y.jsonl",
      "/projects/b/x.jsonl",
    ]);
  });
});

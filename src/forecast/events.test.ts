import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { scanTranscripts, type TranscriptEntry } from "../claude/transcripts/scan.js";
import { createPricing } from "../pricing/pricing.js";
import type { TokenUsage } from "../pricing/token-usage.js";
import type { LedgerRequestRow } from "../usage/ledger-records.js";
import { buildSubscriptionSection } from "../usage/report.js";
import { eventsFromLedgerRows, eventsFromTranscripts, promptTokens } from "./events.js";

const pricing = createPricing();
const SONNET = "claude-sonnet-4-5-20250929";

function usage(parts: Partial<TokenUsage>): TokenUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...parts,
  };
}

describe("from transcript entries", () => {
  const entry = (model: string | null, cwd: string | null): TranscriptEntry => ({
    at: 1,
    model,
    sessionId: "s1",
    cwd,
    usage: usage({ input_tokens: 1000, output_tokens: 100 }),
  });

  test.each([
    // Sonnet 4.5: 1000 × $3 + 100 × $15 per MTok = $0.0045.
    ["a known model: priced", entry(SONNET, "/w/app"), 4_500_000, "/w/app"],
    ["no model recorded: unknown, not $0", entry(null, "/w/app"), null, "/w/app"],
    ["a model the table lacks: unknown, not $0", entry("claude-nova-9", null), null, null],
  ])("%s", (_name, input, cost, project) => {
    const [event] = eventsFromTranscripts([input], pricing);
    expect(event).toEqual({
      at: 1,
      model: input.model,
      costNanoUsd: cost,
      usage: input.usage,
      project,
      sessionId: "s1",
    });
  });
});

describe("from Claude Code's transcripts on disk, priced as `usage --subscription` prices them", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cf-forecast-events-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("streaming duplicates: the last record of each message id + request id, once", () => {
    const record = (id: string, output: number, at: string, cwd: string) =>
      JSON.stringify({
        type: "assistant",
        cwd,
        sessionId: "sess",
        requestId: `req_${id}`,
        timestamp: at,
        message: {
          id: `msg_${id}`,
          model: SONNET,
          usage: { input_tokens: 10, cache_read_input_tokens: 50_000, output_tokens: output },
        },
      });
    const file = join(dir, "projects", "-w-app", "sess.jsonl");
    mkdirSync(join(dir, "projects", "-w-app"), { recursive: true });
    writeFileSync(
      file,
      [
        record("1", 1, "2026-11-24T09:00:00Z", "/w/app"),
        record("1", 40, "2026-11-24T09:00:01Z", "/w/app"),
        record("1", 400, "2026-11-24T09:00:02Z", "/w/app"),
        record("2", 30, "2026-11-24T09:01:00Z", "/w/app/sub"),
        "",
      ].join("\n"),
    );
    const scan = scanTranscripts([dir]);
    const events = eventsFromTranscripts(scan.entries, pricing);
    expect(events.map((e) => [e.usage?.output_tokens, e.project])).toEqual([
      [400, "/w/app"],
      [30, "/w/app/sub"],
    ]);
    // The same total as the `usage --subscription` report of these transcripts.
    const report = buildSubscriptionSection(scan, { kind: "daily", zone: "UTC" }, pricing);
    expect(events.reduce((sum, e) => sum + (e.costNanoUsd ?? 0), 0)).toBe(report.totals.cost_nanousd);
  });
});

describe("from ledger rows", () => {
  const row = (parts: Partial<LedgerRequestRow>): LedgerRequestRow => ({
    at: 1,
    model: SONNET,
    requested_model: "claude-sonnet-4-5",
    outcome: "ok",
    cost_nanousd: 123,
    input_tokens: 1,
    output_tokens: 2,
    cache_write_5m_tokens: 3,
    cache_write_1h_tokens: 4,
    cache_read_tokens: 5,
    web_search_requests: 0,
    web_fetch_requests: 0,
    claude_session_id: "s",
    cwd: "/w/app",
    ...parts,
  });

  test.each([
    ["an answered request", row({}), 1, SONNET, 123],
    [
      "an error before any response: the requested model",
      row({ model: null, outcome: "error", cost_nanousd: 0 }),
      1,
      "claude-sonnet-4-5",
      0,
    ],
    ["unknown cost stays unknown", row({ cost_nanousd: null }), 1, SONNET, null],
    ["refused by a cap: never sent, no work", row({ outcome: "refused_cap" }), 0, null, null],
  ])("%s", (_name, input, count, model, cost) => {
    const events = eventsFromLedgerRows([input]);
    expect(events).toHaveLength(count);
    if (count === 0) return;
    expect(events[0]).toMatchObject({ model, costNanoUsd: cost, project: "/w/app", sessionId: "s" });
    expect(promptTokens(events[0]!.usage!)).toBe(1 + 3 + 4 + 5);
    expect(events[0]!.usage!.output_tokens).toBe(2);
  });
});

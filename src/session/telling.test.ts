import { describe, expect, test } from "vitest";
import { ConfigSchema } from "../config/schema.js";
import type { RunEvent } from "../notify/run-events.js";
import type { CapConfig } from "../usage/caps.js";
import { ledgerEventOf, Teller } from "./telling.js";

const cap = {
  cap: "day" as const,
  configKey: "cost_limit_per_day" as const,
  limitNanoUsd: 5e9,
  spentNanoUsd: 6e9,
};

describe("the ledger rows of what the gateway reports", () => {
  test.each<[RunEvent, string | null, Record<string, unknown>]>([
    [
      { kind: "cap_reached", cap, message: "m" },
      "cap_reached",
      { message: "m", cap: "day", configKey: "cost_limit_per_day", limitNanoUsd: 5e9, spentNanoUsd: 6e9 },
    ],
    [
      { kind: "cap_warning", cap },
      "cap_warning",
      { message: "API spend today is $6.00 of the daily cap of $5.00 (cost_limit_per_day).", cap: "day" },
    ],
    [
      { kind: "error", source: "unknown_model", model: "x", message: "u" },
      "unknown_model",
      { message: "u", model: "x" },
    ],
    [
      { kind: "error", source: "upstream", message: "e" },
      "error",
      { message: "e", source: "upstream_error" },
    ],
    [{ kind: "error", source: "ledger", message: "l" }, "error", { message: "l", source: "ledger_error" }],
    [{ kind: "error", source: "switch", message: "s" }, null, {}],
    [{ kind: "switched_to_api", reason: "limit" }, null, {}],
  ])("%j", (event, kind, detail) => {
    const row = ledgerEventOf(event);
    expect(row?.kind ?? null).toBe(kind);
    if (row) expect(row.detail).toMatchObject(detail);
  });
});

describe("Teller", () => {
  test("words that fail (here, caps that are not there) leave a plain line, not a thrown error: the run goes on", () => {
    const shown: string[] = [];
    const teller = new Teller({
      config: ConfigSchema.parse({ notifications: { terminal: true, desktop: false, webhook_url: null } }),
      env: { TZ: "UTC" },
      show: (_event, text) => shown.push(text),
      record: () => {},
      // A bug's stand-in: the caps the words of a cap warning read are missing.
      wording: () => ({ now: 0, caps: undefined as unknown as CapConfig }),
      secrets: () => [],
      context: () => ({ sessionId: null, runId: "r" }),
    });
    expect(() => teller.tell({ kind: "switched_to_api", reason: "limit" })).not.toThrow();
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^claude-fallback: switched to api \(not worded: /);
  });
});

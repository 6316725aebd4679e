/**
 * Fuzzing `claude-fallback statusline` (issue #6): arbitrary stdin (bytes, JSON, status-shaped
 * JSON with junk) and arbitrary state never make it throw or print more than one line; junk in
 * other fields never hides what the well-formed ones say. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { runStatusline, type StatuslineStateFile } from "./command.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

// 2030-01-01T10:00:00Z
const now = Date.UTC(2030, 0, 1, 10, 0);
const nowSeconds = Math.floor(now / 1000);

async function run(stdin: string | Uint8Array[], state: unknown) {
  let written = "";
  const line = await runStatusline({
    stdin:
      typeof stdin === "string"
        ? stdin
        : (async function* () {
            yield* stdin;
          })(),
    stateFile: null,
    state: state as StatuslineStateFile | null,
    out: {
      write: (text: string) => {
        written += text;
      },
    },
    zone: "UTC",
    now,
    env: { LANG: "en_US.UTF-8" },
  });
  expect(written).toBe(line === "" ? "" : `${line}\n`);
  expect(line).not.toContain("\n");
  return line;
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
/** Our state file as it may be found: right, wrong or absent fields. */
const state = fc.oneof(
  fc.constant(null),
  fc.record(
    {
      mode: fc.oneof(fc.constantFrom("subscription", "api"), anyJson),
      session_id: fc.oneof(fc.constant("s1"), anyJson),
      limit_resets_at: fc.oneof(
        fc.integer({ min: nowSeconds - 1e5, max: nowSeconds + 1e6 }),
        anyJson,
        fc.double(),
      ),
      run_spend_usd: fc.oneof(fc.double(), anyJson),
      cap_usd: fc.oneof(fc.double(), anyJson),
    },
    { requiredKeys: [] },
  ),
);

describe("runStatusline on arbitrary input", () => {
  test("arbitrary bytes on stdin, in arbitrary pieces, with any state: at most one line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 5 }),
        state,
        async (pieces, s) => {
          const line = await run(pieces, s);
          expect(line).toMatch(/^$|^(SUB|API)\b/);
        },
      ),
      { seed: 6390, numRuns: 500 },
    );
  });

  test("a well-formed window is shown whatever junk surrounds it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 60, max: 20 * 3600 }),
        fc.dictionary(fc.constantFrom("model", "cost", "cwd", "session_id", "workspace", "x"), anyJson),
        fc.dictionary(fc.constantFrom("junk_a", "junk_b"), anyJson),
        async (percent, inSeconds, junk, junkWindows) => {
          const stdin = JSON.stringify({
            ...junk,
            rate_limits: {
              ...junkWindows,
              five_hour: { used_percentage: percent, resets_at: nowSeconds + inSeconds },
            },
          });
          const line = await run(stdin, null);
          // Junk windows may be higher; the line still is a subscription line with a percentage.
          expect(line).toMatch(/^SUB (\d{1,3}%|limit)( ⟳\d{2}:\d{2})?$/);
          if (Object.keys(junkWindows).length === 0) {
            const reset = new Date((nowSeconds + inSeconds) * 1000).toISOString().slice(11, 16);
            expect(line).toBe(`SUB ${percent}% ⟳${reset}`);
          }
        },
      ),
      { seed: 6391, numRuns: 300 },
    );
  });

  test("api state of this session with junk spend or cap still shows an API line", async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, anyJson, fc.oneof(anyJson, fc.double()), async (spend, cap, reset) => {
        const line = await run(JSON.stringify({ session_id: "s1" }), {
          mode: "api",
          session_id: "s1",
          run_spend_usd: spend,
          cap_usd: cap,
          limit_resets_at: reset,
        });
        expect(line).toMatch(/^API (cap )?\$/);
      }),
      { seed: 6392, numRuns: 300 },
    );
  });
});

/**
 * Fuzzing the spool (issue #6): arbitrary files in `events/` and arbitrary versions of
 * `statusline.json` — bytes, invalid UTF-8, JSON of any shape, hook JSON with junk — never break
 * the watcher: each valid event is delivered once, every other file is dropped and counted as
 * garbage, nothing is reported as an error. Fixed seeds, a few files per run.
 */
import { renameSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { HOOK_EVENT_NAMES } from "./hook-events.js";
import { createRunDir, type RunDir, watchSpool } from "./spool.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

let root: string;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "cf-spool-fuzz-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Waits for a condition of the watcher (bounded): a wait for an event, not a sleep standing in for one. */
async function until(condition: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let serial = 0;
/** As the scripts do: a complete file in tmp/, then a rename into place. */
function putAtomically(run: RunDir, target: string, content: Buffer): void {
  const temp = join(run.tempDir, `t${serial++}`);
  writeFileSync(temp, content);
  renameSync(temp, target);
}

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** A valid spooled event: a JSON object naming a known hook event, other fields anything. */
const validEvent = fc
  .record({
    hook_event_name: fc.constantFrom(...HOOK_EVENT_NAMES),
    session_id: fc.oneof(fc.uuid(), anyJson),
    source: fc.oneof(fc.constant("startup"), anyJson),
    text: fc.string({ unit: "binary", maxLength: 40 }),
  })
  .map((value) => ({ valid: true, content: Buffer.from(JSON.stringify(value)) }));

const isKnownEvent = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  (HOOK_EVENT_NAMES as readonly unknown[]).includes((value as Record<string, unknown>).hook_event_name);

/** Files that are not an event: bytes, other JSON, objects naming no known event. */
const garbageFile = fc
  .oneof(
    fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
    anyJson.filter((value) => !isKnownEvent(value)).map((value) => Buffer.from(JSON.stringify(value))),
    fc
      .constantFrom("", "{", '{"hook_event_name":"SessionStart"', '\uFEFF{"hook_event_name":"Stop"}')
      .map((text) => Buffer.from(text)),
  )
  .map((content) => ({ valid: false, content }));

describe("watchSpool on arbitrary files", () => {
  test("valid events delivered once each, everything else counted as garbage, no error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(validEvent, garbageFile), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(validEvent, garbageFile), { maxLength: 3 }),
        async (files, statusVersions) => {
          const run = createRunDir(join(root, "runtime"), `run-${runs++}`);
          const events: unknown[] = [];
          const statusLines: unknown[] = [];
          const errors: Error[] = [];
          const watcher = await watchSpool({
            runDir: run.path,
            onEvent: (event) => events.push(event.raw),
            onStatusLine: (input) => statusLines.push(input.raw),
            onError: (error) => errors.push(error),
            pollIntervalMs: 20,
          });
          try {
            files.forEach((file, index) => {
              putAtomically(run, join(run.eventsDir, `${index}.json`), file.content);
            });
            const valid = files.filter((file) => file.valid).length;
            await until(
              () => watcher.stats.events + watcher.stats.garbage === files.length,
              () => `${files.length} files, got ${JSON.stringify(watcher.stats)}`,
            );
            expect(watcher.stats).toMatchObject({ events: valid, garbage: files.length - valid });
            expect(events).toHaveLength(valid);
            // Each status-line version is read (an object) or counted as garbage, one at a time.
            for (const version of statusVersions) {
              const seen = watcher.stats.statusLines + watcher.stats.garbage;
              putAtomically(run, run.statusLineFile, version.content);
              await until(
                () => watcher.stats.statusLines + watcher.stats.garbage > seen,
                () => `status line version ${JSON.stringify(version.content.toString())}`,
              );
            }
            expect(errors).toEqual([]);
          } finally {
            watcher.close();
            await run.remove();
          }
        },
      ),
      { seed: 6440, numRuns: 40 },
    );
  }, 120_000);
});

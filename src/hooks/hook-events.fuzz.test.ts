/**
 * Fuzzing the hook-event parsers (issue #6): any JSON value as a hook body, with or without the
 * event named by the transport, never throws; a known event comes out typed (strings where the
 * type says string); and the head reader used for oversized bodies finds only what is really
 * there, in any prefix of a body. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import {
  fieldsFromHead,
  HEAD_FIELDS,
  HOOK_EVENT_NAMES,
  type HookEventName,
  isHookEventName,
  parseHookEvent,
} from "./hook-events.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

const anyJson = fc.jsonValue({ maxDepth: 4 });
const eventName = fc.constantFrom<HookEventName>(...HOOK_EVENT_NAMES);

/** Hook bodies as Claude Code sends them, every field possibly of the wrong type. */
const body = fc.record(
  {
    session_id: fc.oneof(fc.uuid(), anyJson),
    transcript_path: fc.oneof(fc.string(), anyJson),
    cwd: fc.oneof(fc.string(), anyJson),
    hook_event_name: fc.oneof(eventName, anyJson),
    prompt_id: fc.oneof(fc.string(), anyJson),
    prompt: fc.oneof(fc.string({ unit: "binary" }), anyJson),
    source: fc.oneof(fc.constantFrom("startup", "resume", "clear", "compact"), anyJson),
    error: fc.oneof(fc.constantFrom("rate_limit", "overloaded"), anyJson),
    last_assistant_message: fc.oneof(fc.string(), anyJson),
  },
  { requiredKeys: [] },
);

const STRING_FIELDS = [
  "sessionId",
  "transcriptPath",
  "cwd",
  "promptId",
  "source",
  "prompt",
  "lastAssistantMessage",
  "error",
] as const;

describe("parseHookEvent on arbitrary bodies", () => {
  test("any JSON value, named or not: no throw; an event only for an object naming a known event", () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, body), fc.option(eventName, { nil: undefined }), (value, name) => {
        const event = parseHookEvent(value, name);
        const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
        const named = name ?? (isObject ? (value as Record<string, unknown>).hook_event_name : undefined);
        expect(event !== null).toBe(isObject && isHookEventName(named));
        if (event === null) return;
        expect(event.name).toBe(named);
        expect(event.raw).toBe(value);
        for (const field of STRING_FIELDS) {
          const read = (event as unknown as Record<string, unknown>)[field];
          if (read !== undefined) expect(typeof read).toBe("string");
        }
      }),
      { seed: 6420, numRuns: 2000 },
    );
  });
});

describe("fieldsFromHead on arbitrary text", () => {
  test("any text: no throw; only known fields, only strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 300 }),
          body.map((value) => JSON.stringify(value)),
        ),
        (head) => {
          const fields = fieldsFromHead(head);
          for (const [key, value] of Object.entries(fields)) {
            expect(HEAD_FIELDS).toContain(key);
            expect(typeof value).toBe("string");
          }
        },
      ),
      { seed: 6421, numRuns: 2000 },
    );
  });

  test("any prefix of a flat body: each field found is the body's own value, and a whole body has them all", () => {
    const flat = fc.dictionary(
      fc.constantFrom(...HEAD_FIELDS),
      fc.string({ unit: "binary", maxLength: 30 }),
      {
        minKeys: 1,
      },
    );
    fc.assert(
      fc.property(flat, fc.nat(), (value, at) => {
        const text = JSON.stringify(value);
        const prefix = text.slice(0, at % (text.length + 1));
        for (const [key, found] of Object.entries(fieldsFromHead(prefix))) expect(found).toBe(value[key]);
        expect(fieldsFromHead(text)).toEqual(value);
      }),
      { seed: 6422, numRuns: 2000 },
    );
  });
});

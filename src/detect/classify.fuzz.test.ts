/**
 * Fuzzing the message table and the line classifier (issue #6). Arbitrary strings never throw;
 * a line without any of the table's limit phrases never classifies as a limit; every generated
 * form of a real notice does, with a reset parsed to the next such instant; and Claude's prose
 * quoting a notice — on the same line as other words, in a fenced code block, or in an ordinary
 * assistant message — does not count, as classify.ts, signals.ts and screen.ts intend. The screen
 * scanner reads any text the same in any chunking. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { classifyLine, classifyText, MAX_NOTICE_LENGTH, normalizeLine } from "./classify.js";
import { MESSAGE_TABLE } from "./messages.js";
import { parseResetTime } from "./reset-time.js";
import { ScreenScanner } from "./screen.js";
import { fromTranscriptRecord, type LimitSignal } from "./signals.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

const NOW = Date.parse("2026-11-24T03:17:00Z");
const HOUR = 3_600_000;

/**
 * The words every limit entry of the table needs (case-sensitive, as its patterns are): a line
 * holding none of them cannot be a limit notice.
 */
const LIMIT_PHRASES = [
  "limit reached",
  "Limit reached",
  "ve hit your",
  "re out of extra usage",
  "re out of usage credits",
  "org is out of usage",
  "Spending cap reached",
  "Continuing automatically at",
];

test("the phrase list covers every limit entry's example (so the property below means something)", () => {
  for (const entry of MESSAGE_TABLE.filter((e) => e.kind === "limit")) {
    expect(
      LIMIT_PHRASES.some((phrase) => entry.example.includes(phrase)),
      entry.id,
    ).toBe(true);
  }
});

// ---------------------------------------------------------------------------------------------
// Generators.

const apostrophe = fc.constantFrom("'", "’");
const sep = fc.constantFrom(" · ", " ∙ ", " • ");
const clock = fc
  .tuple(
    fc.integer({ min: 1, max: 12 }),
    fc.option(fc.integer({ min: 0, max: 59 })),
    fc.constantFrom("am", "pm"),
  )
  .map(
    ([hour, minute, meridiem]) =>
      `${hour}${minute === null ? "" : `:${String(minute).padStart(2, "0")}`}${meridiem}`,
  );
const month = fc.constantFrom(
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
);
const zone = fc.constantFrom(
  "",
  " (UTC)",
  " (Asia/Kolkata)",
  " (Asia/Calcutta)",
  " (America/New_York)",
  " (Pacific/Auckland)",
);
/** A reset as Claude Code prints it: a time, or a date and a time; `dated` tells which. */
const reset = fc.oneof(
  fc.tuple(clock, zone).map(([time, z]) => ({ text: `${time}${z}`, dated: false })),
  fc
    .tuple(month, fc.integer({ min: 1, max: 28 }), fc.constantFrom(", ", " at "), clock, zone)
    .map(([m, day, join, time, z]) => ({ text: `${m} ${day}${join}${time}${z}`, dated: true })),
);
const trailer = fc.constantFrom("", " · progress saved", " · /upgrade to Max 20x or turn on /extra-usage");

/** Real limit notices in the forms of SPEC §5 and the table, with the reset each carries. */
const notice = fc.oneof(
  fc
    .tuple(
      apostrophe,
      fc.constantFrom(
        "limit",
        "session limit",
        "5-hour limit",
        "weekly limit",
        "Opus limit",
        "Sonnet limit",
        "usage credit limit",
      ),
      sep,
      reset,
      trailer,
    )
    .map(([a, name, s, r, t]) => ({
      line: `You${a}ve hit your ${name}${s}resets ${r.text}${t}`,
      reset: r,
      trailer: t,
    })),
  fc
    .tuple(
      fc.constantFrom("5-hour", "Session", "Weekly", "Opus weekly", "Opus", "Sonnet"),
      sep,
      reset,
      trailer,
    )
    .map(([name, s, r, t]) => ({
      line: `${name} limit reached${s}resets ${r.text}${t}`,
      reset: r,
      trailer: t,
    })),
  fc
    .tuple(sep, reset)
    .map(([s, r]) => ({ line: `Limit reached${s}resets ${r.text}`, reset: r, trailer: "" })),
  fc.tuple(apostrophe, sep, reset).map(([a, s, r]) => ({
    line: `You${a}re out of extra usage${s}resets ${r.text}`,
    reset: r,
    trailer: "",
  })),
  reset.map((r) => ({ line: `Spending cap reached resets ${r.text}`, reset: r, trailer: "" })),
  fc
    .tuple(sep, reset)
    .map(([s, r]) => ({ line: `Usage limit reached${s}limit resets ${r.text}`, reset: r, trailer: "" })),
);

/** Prose around a notice on the same line: markdown, quotes, code, sentences (not decorations). */
const prosePrefix = fc.constantFrom(
  "> ",
  "- ",
  "* ",
  "+ ",
  "# ",
  "1. ",
  "`",
  "**",
  "_",
  '"',
  "'",
  "| ",
  "<error>",
  "// ",
  "echo '",
  "❯ ",
  'The error said "',
  "I saw ",
  "Note: ",
  "e.g. ",
  "x",
);
const proseSuffix = fc.constantFrom(
  "",
  "`",
  "**",
  '"',
  "'",
  " |",
  "</error>",
  '");',
  " so I waited.",
  ", which resets later",
);

/** Words of the table and around it, to build lines that look like notices but hold no limit phrase. */
const vocabulary = fc.constantFrom(
  "You've",
  "You’re",
  "hit",
  "your",
  "limit",
  "reached",
  "Reached",
  "usage",
  "Usage",
  "5-hour",
  "weekly",
  "Opus",
  "session",
  "resets",
  "reset",
  "at",
  "3pm",
  "11:30am",
  "(UTC)",
  "(Asia/Tokyo)",
  "Nov 10,",
  "·",
  "∙",
  "•",
  "|1749924000",
  "Claude",
  "AI",
  "Spending",
  "cap",
  "out",
  "of",
  "extra",
  "credits",
  "org",
  "is",
  "Continuing",
  "automatically",
  "Esc to cancel",
  "set to continue automatically",
  "Server is temporarily limiting requests",
  "(not your usage limit)",
  "Approaching",
  "85%",
  "used",
  "progress saved",
  "⎿",
  "●",
  "will",
  ".",
);
const lookAlike = fc
  .tuple(fc.array(vocabulary, { minLength: 1, maxLength: 14 }), fc.constantFrom(" ", "", "  ", "\u00a0"))
  .map(([words, glue]) => words.join(glue))
  .filter((line) => !LIMIT_PHRASES.some((phrase) => line.includes(phrase)));

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc
    .tuple(fc.string({ maxLength: 40 }), notice, fc.string({ maxLength: 40 }))
    .map(([a, n, b]) => a + n.line + b),
);

// ---------------------------------------------------------------------------------------------

describe("classifyLine / classifyText / normalizeLine on arbitrary text", () => {
  test("never throw; results are table entries, lines bounded", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        normalizeLine(text);
        const ids = new Set(MESSAGE_TABLE.map((entry) => entry.id));
        for (const found of [classifyLine(text), ...classifyText(text)]) {
          if (found === null) continue;
          expect(ids.has(found.entryId)).toBe(true);
          expect(found.line.length).toBeLessThanOrEqual(MAX_NOTICE_LENGTH);
        }
      }),
      { seed: 6400, numRuns: 2000 },
    );
  });

  test("a line without any limit phrase never classifies as a limit", () => {
    fc.assert(
      fc.property(fc.oneof(lookAlike, fc.string({ unit: "binary", maxLength: 120 })), (line) => {
        fc.pre(!LIMIT_PHRASES.some((phrase) => line.includes(phrase)));
        expect(classifyLine(line)?.kind ?? null).not.toBe("limit");
        expect(classifyText(line).some((found) => found.kind === "limit")).toBe(false);
      }),
      { seed: 6401, numRuns: 3000 },
    );
  });
});

describe("real notices", () => {
  test("every generated form classifies as a limit, and its reset is the next such instant", () => {
    fc.assert(
      fc.property(notice, fc.constantFrom("", "  ⎿  ", "● ", "⚠ ", "│ "), (n, decoration) => {
        const found = classifyLine(`${decoration}${n.line}`);
        expect(found?.kind).toBe("limit");
        expect(found?.resetText).toBe(n.reset.text);
        const at = parseResetTime(n.reset.text, { now: NOW, zone: "Europe/Berlin" })?.at;
        if (at === undefined) throw new Error(`unreadable reset ${n.reset.text}`);
        // Never before the minute it names has passed; a time alone within a day (+ a DST hour).
        expect(at + 60_000).toBeGreaterThan(NOW);
        expect(at).toBeLessThanOrEqual(NOW + (n.reset.dated ? 367 * 24 * HOUR : 25 * HOUR));
      }),
      { seed: 6402, numRuns: 1500 },
    );
  });
});

describe("Claude's prose quoting a notice does not count (the intended rule)", () => {
  test("on the same line as other words: not a match", () => {
    fc.assert(
      fc.property(notice, prosePrefix, proseSuffix, (n, prefix, suffix) => {
        expect(classifyLine(`${prefix}${n.line}${suffix}`)).toBeNull();
      }),
      { seed: 6403, numRuns: 2000 },
    );
  });

  test("prose after a notice without a ` · ` separator: not a match", () => {
    fc.assert(
      fc.property(
        notice.filter((n) => n.trailer === ""),
        // (Not a bare "." : `1am.` is read as the `a.m.` spelling, by design.)
        fc.constantFrom(" so I waited.", ", which resets later", "`", '"', " and more", "!"),
        (n, suffix) => {
          expect(classifyLine(`${n.line}${suffix}`)?.kind ?? null).not.toBe("limit");
        },
      ),
      { seed: 6404, numRuns: 1000 },
    );
  });

  test("alone on its line inside a fenced code block: classifyText skips it", () => {
    const prose = lookAlike.map((line) => line.replace(/^ {0,3}(```|~~~)/, ""));
    fc.assert(
      fc.property(
        fc.array(prose, { maxLength: 3 }),
        fc.constantFrom("```", "~~~", "```text", "   ```sh"),
        fc.array(notice, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom("\n", "\r\n"),
        (before, fence, notices, closed, eol) => {
          const marker = fence.trim().slice(0, 3);
          const lines = [
            ...before,
            fence,
            ...notices.map((n) => n.line),
            ...(closed ? [marker] : []),
            ...before,
          ];
          expect(classifyText(lines.join(eol)).filter((found) => found.kind === "limit")).toEqual([]);
        },
      ),
      { seed: 6405, numRuns: 1000 },
    );
  });

  test("in an ordinary assistant message (not Claude Code's own): no transcript signal", () => {
    fc.assert(
      fc.property(
        notice,
        fc.boolean(),
        fc.constantFrom("claude-sonnet-4-5", "claude-opus-4-1", undefined),
        (n, asBlocks, model) => {
          const content = asBlocks ? [{ type: "text", text: `Here it is:\n${n.line}\n` }] : n.line;
          const record = {
            type: "assistant",
            timestamp: "2026-11-24T03:17:00Z",
            message: { model, content },
          };
          expect(fromTranscriptRecord(record, { now: NOW, zone: "UTC" })).toBeNull();
          // The same text as Claude Code's own synthetic message does count: the rule is the author.
          const own = { ...record, message: { model: "<synthetic>", content } };
          expect(fromTranscriptRecord(own, { now: NOW, zone: "UTC" })?.kind).toBe("limit");
        },
      ),
      { seed: 6406, numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The screen: any text, any chunking.

const ansi = fc.constantFrom(
  "\x1b[31m",
  "\x1b[0m",
  "\x1b[1;38;5;208m",
  "\x1b[2C",
  "\x1b[5G",
  "\x1b[2K",
  "\x1b[1A",
  "\x1b[?25l",
  "\x1b[?2004h",
  "\x1b[200~",
  "\x1b]0;title\x07",
  "\x1b]8;;https://x.example\x1b\\",
  "\x1b(B",
  "\x1b7",
  "\x1b8",
  "\x9b1m",
  "\x1bP+q\x1b\\",
  "\x1b",
  "\b",
);
const screenPiece = fc.oneof(
  notice.map((n) => `${n.line}\r\n`),
  lookAlike.map((line) => `${line}\n`),
  ansi,
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("\n", "\r", "\r\n", "  ⎿  ", "\t"),
);
const screen = fc.array(screenPiece, { maxLength: 25 }).map((pieces) => pieces.join(""));

function scan(chunks: readonly Uint8Array[]): LimitSignal[] {
  const scanner = new ScreenScanner({ zone: "UTC", maxLineLength: 256 });
  return [...chunks.flatMap((chunk) => scanner.push(chunk, NOW)), ...scanner.flush(NOW)];
}

describe("ScreenScanner on arbitrary output", () => {
  test("no throw, and the same signals however the bytes are cut (inside escapes and characters)", () => {
    fc.assert(
      fc.property(screen, fc.array(fc.nat(), { maxLength: 15 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...points, bytes.length];
        const chunks = bounds.slice(1).map((end, index) => bytes.subarray(bounds[index], end));
        const whole = scan([bytes]);
        expect(scan(chunks)).toEqual(whole);
        for (const signal of whole) {
          expect(signal.source).toBe("screen");
          if (signal.kind === "limit") expect(Number.isFinite(signal.resetsAt)).toBe(true);
        }
      }),
      { seed: 6407, numRuns: 1500 },
    );
  });

  test("look-alike lines alone never make a limit, whatever ANSI is around them", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            lookAlike.map((line) => `${line}\n`),
            ansi,
          ),
          { maxLength: 20 },
        ),
        (pieces) => {
          const text = pieces.join("");
          fc.pre(!LIMIT_PHRASES.some((phrase) => text.includes(phrase)));
          expect(scan([Buffer.from(text)]).filter((signal) => signal.kind === "limit")).toEqual([]);
        },
      ),
      { seed: 6408, numRuns: 1000 },
    );
  });
});

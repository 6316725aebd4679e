import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ScreenScanner } from "./screen.js";
import type { LimitSignal } from "./signals.js";

interface Recording {
  description: string;
  claudeVersion: string;
  tz: string;
  recordedAt: string;
  raw: string;
}

/** Raw pty output of the real `claude` 2.1.330 hitting the limit against the simulator. */
const recording = (name: string): Recording =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as Recording;

const RECORDINGS = [
  {
    name: "screen-5h-utc",
    expected: [
      {
        source: "screen",
        kind: "limit",
        window: "five_hour",
        resetsAt: Date.parse("2026-11-24T09:07:00Z"),
        resetAssumed: false,
        text: "You've hit your 5-hour limit · resets 9:07am (UTC)",
        entryId: "hit-your-limit",
      },
    ],
  },
  {
    name: "screen-5h-new-york",
    expected: [
      {
        source: "screen",
        kind: "limit",
        window: "five_hour",
        resetsAt: Date.parse("2026-11-24T06:38:00Z"),
        resetAssumed: false,
        text: "You've hit your 5-hour limit · resets 1:38am (America/New_York)",
        entryId: "hit-your-limit",
      },
    ],
  },
  {
    name: "screen-weekly-kolkata",
    expected: [
      {
        source: "screen",
        kind: "limit",
        window: "seven_day",
        resetsAt: Date.parse("2026-11-28T19:15:00Z"),
        resetAssumed: false,
        text: "You've hit your weekly limit · resets Nov 29, 12:45am (Asia/Kolkata)",
        entryId: "hit-your-limit",
      },
    ],
  },
] as const;

/** The scanner reads the bytes a pty delivers: `chunks` are whole texts or already bytes. */
function scan(chunks: readonly (string | Uint8Array)[], now: number, zone: string): LimitSignal[] {
  const scanner = new ScreenScanner({ zone });
  return [...chunks.flatMap((chunk) => scanner.push(bytes(chunk), now)), ...scanner.flush(now)];
}

function bytes(text: string | Uint8Array): Uint8Array {
  return typeof text === "string" ? Buffer.from(text) : text;
}

/** `output` as UTF-8 cut at the given byte offsets (anywhere: inside sequences and characters). */
function cutBytes(output: string, cuts: readonly number[]): Uint8Array[] {
  const whole = Buffer.from(output);
  const points = [0, ...cuts.map((cut) => cut % (whole.length + 1)).sort((a, b) => a - b), whole.length];
  return points.slice(1).map((end, i) => whole.subarray(points[i], end));
}

/** One byte per chunk. */
function byteByByte(output: string): Uint8Array[] {
  return [...Buffer.from(output)].map((byte) => Uint8Array.of(byte));
}

const NOW = Date.parse("2026-11-24T03:17:00Z");
const LIMIT = "You've hit your 5-hour limit · resets 3:47am (UTC)";

describe("ScreenScanner on recorded screens", () => {
  describe.each(RECORDINGS)("$name", ({ name, expected }) => {
    const { raw, tz, recordedAt } = recording(name);
    const now = Date.parse(recordedAt);

    test("one limit signal: the three notices of one limit (and their redraws) are one", () => {
      expect(scan([raw], now, tz)).toEqual(expected);
    });

    // Thousands of full scans: seconds on a loaded two-core machine.
    test("split at every byte: the same signals", () => {
      const whole = Buffer.from(raw);
      for (let index = 0; index <= whole.length; index++) {
        const signals = scan([whole.subarray(0, index), whole.subarray(index)], now, tz);
        if (signals.length !== 1 || signals[0]?.resetsAt !== expected[0].resetsAt) {
          throw new Error(`split at ${index} gave ${JSON.stringify(signals)}`);
        }
      }
    }, 60_000);

    test("any chunking (property): the same signals", () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.nat(), { maxLength: 40 }), (cuts) => {
          expect(scan(cutBytes(raw, cuts), now, tz)).toEqual(expected);
        }),
        { numRuns: 200 },
      );
    });

    test("one byte at a time", () => {
      expect(scan(byteByByte(raw), now, tz)).toEqual(expected);
    });
  });

  test("the zone matters for notices printed without one: pass the zone claude runs in", () => {
    const { raw, recordedAt } = recording("screen-5h-new-york");
    const signals = scan([raw], Date.parse(recordedAt), "UTC");
    // "set to continue automatically at 1:38am" read as UTC is another instant.
    expect(signals.map((signal) => signal.entryId)).toEqual(["hit-your-limit", "usage-limit-auto-continue"]);
  });
});

describe("ScreenScanner: ANSI", () => {
  const sgrEverywhere = (text: string) => [...text].map((char, i) => `\x1b[38;5;${i % 256}m${char}`).join("");

  test.each([
    ["SGR between every character", `${sgrEverywhere(LIMIT)}\x1b[0m\n`],
    ["SGR with colon parameters", `\x1b[38:2::255:0:0m${LIMIT}\x1b[m\n`],
    ["OSC title ended by BEL before", `\x1b]0;✳ Claude Code\x07${LIMIT}\n`],
    ["OSC title ended by ST before", `\x1b]2;title\x1b\\${LIMIT}\n`],
    ["OSC 8 hyperlink around", `\x1b]8;id=x;https://example.com\x07${LIMIT}\x1b]8;;\x07\n`],
    ["C1 OSC and ST", `\x9d0;title\x9c${LIMIT}\n`],
    ["DCS string", `\x1bPq#0;2;0;0;0\x1b\\${LIMIT}\n`],
    ["APC and PM strings", `\x1b_apc\x1b\\\x1b^pm\x1b\\${LIMIT}\n`],
    ["charset designation", `\x1b(B${LIMIT}\x1b(0\x1b(B\n`],
    ["bracketed-paste markers", `\x1b[200~${LIMIT}\x1b[201~\n`],
    ["private modes and queries", `\x1b[?25l\x1b[?2004h\x1b[>0q\x1b[?u\x1b[c${LIMIT}\x1b[?25h\n`],
    ["C1 CSI", `\x9b31m${LIMIT}\x9b0m\n`],
    ["erase to end of line after", `${LIMIT}\x1b[K\n`],
    ["cursor moves before and after", `\x1b[40;1H\x1b[38;3H  ⎿ \u00a0\x1b[38;5;211m${LIMIT}\x1b[2B`],
    ["CRLF", `${LIMIT}\r\n`],
    ["a spinner redrawn with CR first", `✻ Working…\r✶ Working…\r${LIMIT}\r\n`],
    [
      "Ink's column jumps between words",
      "You've\x1b[8Ghit\x1b[12Gyour 5-hour\x1b[1Climit · resets 3:47am (UTC)\n",
    ],
    ["DECSC/DECRC and scroll region", `\x1b7\x1b[r\x1b8${LIMIT}\n`],
    ["backspace correction", `${LIMIT}X\b\n`],
    ["bell and other C0 noise", `\x07${LIMIT}\x00\x0e\x0f\n`],
  ])("%s", (_, output) => {
    expect(scan([output], NOW, "UTC")).toMatchObject([{ kind: "limit", window: "five_hour", text: LIMIT }]);
  });

  test("a line split mid escape sequence and mid character", () => {
    const emoji = "😀";
    const line = `You've hit your 5-hour limit · resets 3:47am (UTC) · ${emoji}`;
    const output = `\x1b[38;5;211m${line}\n`;
    const cut = Buffer.byteLength(output.slice(0, output.indexOf(emoji))) + 2; // inside its four bytes
    const signals = scan(cutBytes(output, [8, cut]), NOW, "UTC");
    expect(signals).toMatchObject([{ kind: "limit", text: line }]);
  });

  test("a C1 control cut between its two bytes, and NBSP (C2 A0) beside it", () => {
    const output = `\u009b31m  ⎿\u00a0${LIMIT}\u009b0m\n`;
    expect(scan(cutBytes(output, [1]), NOW, "UTC")).toMatchObject([{ kind: "limit", text: LIMIT }]);
    expect(scan(byteByByte(output), NOW, "UTC")).toMatchObject([{ kind: "limit", text: LIMIT }]);
  });

  test("a backspace that joins the only notice word of a line", () => {
    expect(scan(["You've hit your limX\bit\n"], NOW, "UTC")).toMatchObject([
      { kind: "limit", text: "You've hit your limit", resetAssumed: true },
    ]);
  });

  test("a notice word cut by sequences, by chunks and by both", () => {
    const output = "You've hit your li\x1b[1mm\x1b]8;;x\x07i\x1b[0mt\r\n";
    for (let cut = 0; cut <= Buffer.byteLength(output); cut++) {
      expect(scan(cutBytes(output, [cut]), NOW, "UTC")).toMatchObject([{ text: "You've hit your limit" }]);
    }
  });

  test("cursor movement ends the line: text on another row is not joined to it", () => {
    expect(scan([`You've hit your 5-hour limit\x1b[2B · resets 3:47am (UTC)\n`], NOW, "UTC")).toMatchObject([
      { kind: "limit", resetAssumed: true },
    ]);
    expect(scan([`${LIMIT}\x1b[1Aprose after it\n`], NOW, "UTC")).toHaveLength(1);
    expect(scan([`Claude said:\x1b[5;1H${LIMIT}\n`], NOW, "UTC")).toHaveLength(1);
  });
});

describe("ScreenScanner: read in runs or a byte at a time", () => {
  // Runs of text and CSI parameters are read in tight loops, a sequence or character split across
  // chunks a byte at a time: notices around cursor moves, private and malformed sequences, C1
  // controls and multi-byte characters must come out the same.
  test("any mix of notices and sequences: the same signals (property)", () => {
    const pieces = fc.constantFrom(
      LIMIT,
      "You've hit your ",
      "5-hour limit",
      " · resets 3:47am (UTC)",
      "\x1b[",
      "\x1b[?",
      "\x1b[>",
      "\x9b",
      "12",
      ";",
      " ",
      "!",
      "A",
      "C",
      "G",
      "H",
      "m",
      "u",
      "\x1b]0;title",
      "\x07",
      "\x1b\\",
      "\x1b(B",
      "\x1b8",
      "\n",
      "\r",
      "\t",
      "\b",
      "\x18",
      "●",
      "😀",
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (parts, cuts) => {
          const output = parts.join("");
          const whole = scan([output], NOW, "UTC");
          expect(scan(cutBytes(output, cuts), NOW, "UTC")).toEqual(whole);
          expect(scan(byteByByte(output), NOW, "UTC")).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("ScreenScanner: whole lines, dedupe, memory", () => {
  test("only whole lines: Claude's prose quoting a notice is nothing", () => {
    const prose = [
      `● The error said "${LIMIT}" so I stopped.\n`,
      `  > ${LIMIT}\n`,
      `  - ${LIMIT}\n`,
      `\`${LIMIT}\`\n`,
    ];
    expect(scan(prose, NOW, "UTC")).toEqual([]);
  });

  test("throttles and unrelated lines produce nothing", () => {
    const output = [
      "  ⎿  API Error: Server is temporarily limiting requests (not your usage limit) · Retrying in 5s\n",
      "  ⎿  API Error: Repeated 529 Overloaded errors\n",
      "● Context limit reached · /compact or /clear to continue\n",
      "✻ Baked for 0s · done 4:07 AM\n",
    ];
    expect(scan(output, NOW, "UTC")).toEqual([]);
  });

  test("the same notice redrawn many times is one signal", () => {
    const frame = `\x1b[H\x1b[20B  ⎿  ${LIMIT}\x1b[K\n\x1b[2B⚠ Usage limit reached · limit resets 3:47am\n`;
    const scanner = new ScreenScanner({ zone: "UTC" });
    const signals = Array.from({ length: 50 }, (_, i) => scanner.push(bytes(frame), NOW + i * 100)).flat();
    expect(signals).toHaveLength(1);
  });

  test("a later redraw read after the reset does not turn into tomorrow's limit", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes(`${LIMIT}\n`), NOW)).toHaveLength(1);
    expect(scanner.push(bytes(`${LIMIT}\n`), Date.parse("2026-11-24T04:00:00Z"))).toEqual([]);
  });

  test("forget() reports the notice again", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes(`${LIMIT}\n`), NOW)).toHaveLength(1);
    scanner.forget();
    expect(scanner.push(bytes(`${LIMIT}\n`), NOW)).toHaveLength(1);
  });

  test("a new limit with another reset is a new signal", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes(`${LIMIT}\n`), NOW)).toHaveLength(1);
    expect(
      scanner.push(bytes("You've hit your weekly limit · resets Nov 27, 2:28am (UTC)\n"), NOW),
    ).toMatchObject([{ window: "seven_day" }]);
  });

  test("limits with an assumed reset are de-duplicated by their line only", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes("You've hit your 5-hour limit · progress saved\n"), NOW)).toHaveLength(1);
    expect(scanner.push(bytes("You've hit your limit\n"), NOW)).toHaveLength(1);
    expect(scanner.push(bytes("You've hit your limit\n"), NOW)).toHaveLength(0);
  });

  test("warnings: each new percentage once", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    const warn = (percent: number) => `You've used ${percent}% of your 5-hour limit · resets 3:50am (UTC)\n`;
    expect(scanner.push(bytes(warn(85) + warn(85)), NOW)).toMatchObject([{ kind: "warning", percent: 85 }]);
    expect(scanner.push(bytes(warn(92)), NOW)).toMatchObject([{ kind: "warning", percent: 92 }]);
    expect(scanner.push(bytes(warn(85)), NOW)).toEqual([]);
  });

  test("a partial line waits for its end; flush() ends it", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes(LIMIT), NOW)).toEqual([]);
    expect(scanner.flush(NOW)).toHaveLength(1);
    expect(scanner.flush(NOW)).toEqual([]);
  });

  test("bounded: an endless line is dropped whole, the next line still counts", () => {
    const scanner = new ScreenScanner({ zone: "UTC", maxLineLength: 1000 });
    const carried = () => (scanner as unknown as { carried: number[] }).carried.length;
    for (let i = 0; i < 100; i++) {
      expect(scanner.push(bytes("x".repeat(1000)), NOW)).toEqual([]);
      expect(carried()).toBeLessThanOrEqual(3 * 1000);
    }
    expect(scanner.push(bytes(LIMIT), NOW)).toEqual([]);
    expect(scanner.push(bytes(`\n${LIMIT}\n`), NOW)).toHaveLength(1);
  });

  test("the cap counts characters, as the table does: a long line of three-byte box drawing still counts", () => {
    const line = `${"─".repeat(700)}${LIMIT}\n`; // 751 characters, 2152 bytes
    expect(scan([line], NOW, "UTC")).toMatchObject([{ text: LIMIT }]);
    expect(scan(byteByByte(line), NOW, "UTC")).toMatchObject([{ text: LIMIT }]);
  });

  test("a line that once passed the cap is dropped whole however it is cut, backspaced or not", () => {
    const output = `${LIMIT}${"x".repeat(7000)}${"\b".repeat(7000)}\n`;
    const whole = scan([output], NOW, "UTC");
    expect(whole).toEqual([]);
    for (const cut of [0, 60, 3000, 7050, 7100, 10_000])
      expect(scan(cutBytes(output, [cut]), NOW, "UTC")).toEqual(whole);
  });

  test("bounded: an unterminated escape string swallows only itself", () => {
    const scanner = new ScreenScanner({ zone: "UTC" });
    expect(scanner.push(bytes(`\x1b]0;${"t".repeat(100_000)}`), NOW)).toEqual([]);
    expect((scanner as unknown as { carried: number[] }).carried).toEqual([]);
    expect(scanner.push(bytes(`\x07${LIMIT}\n`), NOW)).toHaveLength(1);
  });

  test("bounded: the de-duplication memory keeps the most recent notices", () => {
    const scanner = new ScreenScanner({ zone: "UTC", maxRemembered: 2 });
    const line = (hour: number) => `You've hit your 5-hour limit · resets ${hour}pm (UTC)\n`;
    expect(scanner.push(bytes(line(1) + line(2) + line(3)), NOW)).toHaveLength(3);
    expect(scanner.push(bytes(line(3)), NOW)).toEqual([]);
    expect(scanner.push(bytes(line(1)), NOW)).toHaveLength(1);
  });
});

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { TerminalModes } from "./modes.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

function feed(...chunks: string[]): TerminalModes {
  const modes = new TerminalModes();
  for (const chunk of chunks) modes.feed(bytes(chunk));
  return modes;
}

/** Feeds `text` cut at every boundary (two chunks), and byte by byte. */
function everySplit(text: string): TerminalModes[] {
  const input = bytes(text);
  const out: TerminalModes[] = [];
  for (let cut = 0; cut <= input.length; cut++) {
    const modes = new TerminalModes();
    modes.feed(input.subarray(0, cut));
    modes.feed(input.subarray(cut));
    out.push(modes);
  }
  const byteByByte = new TerminalModes();
  for (const byte of input) byteByByte.feed(Buffer.from([byte]));
  out.push(byteByByte);
  return out;
}

// What Claude Code 2.1.330 writes on start, as observed, plus the kitty push it makes when the
// terminal answers its `CSI ? u` query.
const CLAUDE_START =
  "\x1b7\x1b[r\x1b8\x1b[?25h" +
  "\x1b[?2004h\x1b[?2031h\x1b[?1004h" +
  "\x1b]0;✳ Claude Code\x07" +
  "\x1b[?1049h\x1b[2J\x1b[H\x1b[?1000h\x1b[?1002h\x1b[?1003h\x1b[?1006h\x1b[?25l\x1b[?25l\x1b[H\r" +
  "\x1b[1B\x1b[38;5;174m ▐\x1b[48;5;16m▛███▜\x1b[12G\x1b[39m\x1b[49m\x1b[1mClaude Code\x1b[22m" +
  "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\" +
  "\x1b[>0q\x1b[?u\x1b]7501;?\x07\x1b[c" +
  "\x1b[>1u";

// …and on SIGTERM.
const CLAUDE_EXIT =
  "\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?25h" +
  "\x1b[?1004l\x1b[<u\x1b[?1049l\x1b[>4m\x1b[>4m\x1b[<u\x1b[?2031l\x1b[?2004l\x1b(B\x0f\x1b[?1016l" +
  "\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?7h\x1b[?25h\x1b7\x1b[r\x1b8\x1b]0;\x07";

const CLAUDE_RESTORE =
  "\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?1004l\x1b[?2004l\x1b[?2031l\x1b[<1u\x1b[?1049l\x1b[?25h";

describe("TerminalModes", () => {
  test("tracks what Claude Code turns on, split anywhere", () => {
    for (const modes of everySplit(CLAUDE_START)) {
      expect(modes.snapshot()).toEqual({
        altScreen: true,
        mouseTracking: true,
        focusReporting: true,
        bracketedPaste: true,
        cursorHidden: true,
        synchronizedOutput: false,
        kittyPushes: { main: 0, alt: 1 },
        modifyOtherKeys: 0,
        midSequence: false,
      });
      expect(modes.restoreSequence()).toBe(CLAUDE_RESTORE);
    }
  });

  test("nothing to undo after Claude Code restored the terminal itself", () => {
    for (const modes of everySplit(CLAUDE_START + CLAUDE_EXIT)) {
      expect(modes.restoreSequence()).toBe("");
      expect(modes.altScreen).toBe(false);
    }
  });

  test("nothing to undo for plain output", () => {
    expect(feed("hello\r\n\x1b[1mbold\x1b[0m \x1b]8;;x\x07y\x1b]8;;\x07").restoreSequence()).toBe("");
  });

  const cases: [string, string, string][] = [
    ["SGR left set", "\x1b[1;31mred", "\x1b[0m"],
    ["SGR reset again", "\x1b[1mx\x1b[m", ""],
    ["scroll region", "\x1b[5;20r", "\x1b7\x1b[r\x1b8"],
    ["line-drawing charset", "\x1b(0qqq", "\x1b(B\x0f"],
    ["shifted out", "\x0e", "\x1b(B\x0f"],
    ["shifted in again", "\x0e\x0f", ""],
    ["cursor style", "\x1b[5 q", "\x1b[0 q"],
    ["XTVERSION query is not a cursor style", "\x1b[>0q", ""],
    ["modifyOtherKeys", "\x1b[>4;2m", "\x1b[>4m"],
    ["modifyOtherKeys off again", "\x1b[>4;2m\x1b[>4;0m", ""],
    ["autowrap off", "\x1b[?7l", "\x1b[?7h"],
    ["application cursor keys and keypad", "\x1b[?1h\x1b=", "\x1b[?1l\x1b>"],
    ["insert mode", "\x1b[4h", "\x1b[4l"],
    ["synchronized update left open, first", "\x1b[?2004h\x1b[?2026h", "\x1b[?2026l\x1b[?2004l"],
    ["several modes in one sequence", "\x1b[?1000;1006;2004h", "\x1b[?1006l\x1b[?1000l\x1b[?2004l"],
    ["old alternate screen", "\x1b[?47h", "\x1b[?47l"],
    ["unknown private mode is left alone", "\x1b[?12345h\x1b[?12h", ""],
    ["mode-like text inside an OSC is text", "\x1b]0;[?1049h is not here\x07", ""],
    ["ESC inside an OSC ends it, as in terminals", "\x1b]0;x\x1b[?1049h", "\x1b[?1049l"],
    ["DCS ended by ST", "\x1bPq#0;2;0;0;0\x1b\\\x1b[?25l", "\x1b[?25h"],
    ["CAN aborts a sequence", "\x1b[?1049\x18h", ""],
    ["a control inside a CSI does not end it", "\x1b[?10\r00h", "\x1b[?1000l"],
    ["full reset forgets everything", "\x1b[?1049h\x1b[?1000h\x1b[>1u\x1bc", ""],
    ["soft reset shows the cursor", "\x1b[?25l\x1b[1m\x1b[!p", ""],
    ["kitty set without push", "\x1b[=5;1u", "\x1b[=0;1u"],
    ["kitty pops more than pushed", "\x1b[>1u\x1b[<5u", ""],
    ["kitty pushes on both screens", "\x1b[>1u\x1b[?1049h\x1b[>3u\x1b[>3u", "\x1b[<2u\x1b[?1049l\x1b[<1u"],
    ["kitty alt-screen stack is gone with the screen", "\x1b[?1049h\x1b[>1u\x1b[?1049l", ""],
    ["kitty stack pop count", "\x1b[>1u\x1b[>1u\x1b[>1u\x1b[<2u", "\x1b[<1u"],
    ["attributes saved by 1049 come back", "\x1b[?1049h\x1b[31mx\x1b[?1049l", ""],
    ["attributes set before 1049 stay set", "\x1b[31m\x1b[?1049h\x1b[0m", "\x1b[?1049l\x1b[0m"],
  ];
  for (const [name, output, restore] of cases) {
    test(`${name}, split anywhere`, () => {
      for (const modes of everySplit(output)) expect(modes.restoreSequence()).toBe(restore);
    });
  }

  test("output that ends inside a sequence: restore first aborts it", () => {
    for (const unfinished of ["\x1b", "\x1b[38;5", "\x1b]0;title", "\x1bP", "\x1b(", "\x1b]0;x\x1b"]) {
      const modes = feed(`\x1b[?1049h${unfinished}`);
      expect(modes.midSequence, JSON.stringify(unfinished)).toBe(true);
      expect(modes.restoreSequence()).toBe("\x18\x1b[?1049l");
    }
  });

  test("reset() forgets, restore after it is empty", () => {
    const modes = feed(CLAUDE_START);
    modes.reset();
    expect(modes.restoreSequence()).toBe("");
    expect(modes.altScreen).toBe(false);
  });

  test("syncSequence re-asserts what the child set, the screen first", () => {
    const sync = feed(CLAUDE_START).syncSequence();
    expect(sync.startsWith("\x1b[?1049h")).toBe(true);
    for (const expected of [
      "\x1b[?2004h",
      "\x1b[?1004h",
      "\x1b[?1000h",
      "\x1b[?1006h",
      "\x1b[?25l",
      "\x1b[=1;1u",
    ]) {
      expect(sync).toContain(expected);
    }
    const afterExit = feed(CLAUDE_START + CLAUDE_EXIT).syncSequence();
    expect(afterExit).toContain("\x1b[?1049l");
    expect(afterExit).toContain("\x1b[?1000l");
  });

  test("a long CSI is ignored rather than kept", () => {
    const modes = feed(`\x1b[?${"1;".repeat(1000)}1049h`);
    expect(modes.altScreen).toBe(false);
    expect(modes.midSequence).toBe(false);
  });

  // A CSI that lies whole in a chunk is read in one go, one split across chunks byte by byte: the
  // two must agree on everything, malformed sequences included.
  test("any mix, well-formed or not, read whole or a byte at a time: the same state (property)", () => {
    const pieces = fc.constantFrom(
      "text ",
      "é●",
      "\x1b[",
      "\x1b[?",
      "\x1b[>",
      "\x1b[<",
      "\x1b[=",
      "1049",
      "1000;1006",
      "25",
      "4;2",
      ";",
      ":",
      " ",
      "!",
      "h",
      "l",
      "m",
      "u",
      "r",
      "q",
      "p",
      "H",
      "\x0e",
      "\x0f",
      "\x18",
      "\x1a",
      "\x07",
      "\x1b\\",
      "\x1b]0;",
      "\x1b(0",
      "\x1b(B",
      "\x1bc",
      "\x7f",
      "\x9b",
      "\xff",
      "9".repeat(40),
      "1;".repeat(127),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const input = Buffer.from(parts.join(""), "latin1");
        const whole = new TerminalModes();
        whole.feed(input);
        const byteByByte = new TerminalModes();
        for (let at = 0; at < input.length; at++) byteByByte.feed(input.subarray(at, at + 1));
        expect(byteByByte.snapshot()).toEqual(whole.snapshot());
        expect(byteByByte.restoreSequence()).toBe(whole.restoreSequence());
        expect(byteByByte.syncSequence()).toBe(whole.syncSequence());
      }),
      { numRuns: 1000 },
    );
  });

  // Claude's output is mostly text and SGR: the time to read a chunk grows with its length, not
  // with its length times its number of escape sequences.
  test("a chunk of 400,000 escape sequences is read in one pass (linear, not quadratic, in its length)", () => {
    // A shift in the chunk too: the character set is followed through every text run. Read in one
    // pass these 6 MB take ~30 ms here; the search back to the chunk's start for SO/SI at every
    // text run that this replaced took 47 s. The bound sits between the two, a hundred times above
    // the linear time, so load on the machine cannot make it fail where a ratio of timings could.
    const chunk = bytes(`\x0e\x0f${"\x1b[1mword\x1b[22m ".repeat(400_000)}\x1b[?1049h`);
    const modes = new TerminalModes();
    const start = performance.now();
    modes.feed(chunk);
    expect(performance.now() - start).toBeLessThan(5_000);
    expect(modes.restoreSequence()).toContain("\x1b[?1049l");
  });

  test("any split of any mix gives the same state as one chunk (property)", () => {
    const pieces = fc.constantFrom(
      "text ",
      "é€😀",
      "\x1b[?1049h",
      "\x1b[?1049l",
      "\x1b[?1000;1006h",
      "\x1b[?1000l",
      "\x1b[?2004h",
      "\x1b[?25l",
      "\x1b[?25h",
      "\x1b[>1u",
      "\x1b[<u",
      "\x1b[=3;2u",
      "\x1b[38;5;174m",
      "\x1b[0m",
      "\x1b]0;title\x07",
      "\x1b]8;;http://x\x1b\\",
      "\x1bP+q544e\x1b\\",
      "\x1b(0",
      "\x1b(B",
      "\x1b[5;10r",
      "\x1b[r",
      "\x1b7\x1b8",
      "\x1bc",
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const input = bytes(parts.join(""));
          const whole = new TerminalModes();
          whole.feed(input);
          const split = new TerminalModes();
          let previous = 0;
          for (const point of [...cuts.map((cut) => cut % (input.length + 1))].sort((a, b) => a - b)) {
            split.feed(input.subarray(previous, point));
            previous = point;
          }
          split.feed(input.subarray(previous));
          expect(split.snapshot()).toEqual(whole.snapshot());
          expect(split.restoreSequence()).toBe(whole.restoreSequence());
          expect(split.syncSequence()).toBe(whole.syncSequence());
        },
      ),
      { numRuns: 300 },
    );
  });
});

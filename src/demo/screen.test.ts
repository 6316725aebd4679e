import { describe, expect, test } from "vitest";
import { lastLines, stripAnsi, withoutScreenSwitches } from "./screen.js";

describe("stripAnsi", () => {
  test("removes CSI, OSC and two-byte escapes, keeps the text and newlines", () => {
    const raw = "\x1b]0;title\x07\x1b[1;31m❯ hello\x1b[0m\r\n\x1b7\x1b[2Kworld\x1b8\x1b(B";
    expect(stripAnsi(raw)).toBe("❯ hello\nworld");
  });
});

describe("lastLines", () => {
  test("keeps the last non-blank lines, trailing spaces trimmed", () => {
    expect(lastLines("a  \n\n\x1b[2Kb\r\nc\n  \n", 2)).toEqual(["b", "c"]);
  });
});

describe("withoutScreenSwitches", () => {
  test("drops entering and leaving the alternate screen, nothing else", () => {
    expect(withoutScreenSwitches("x\x1b[?1049hy\x1b[?1049l\x1b[?47h\x1b[?1047lz\x1b[?25h")).toBe(
      "xyz\x1b[?25h",
    );
  });
});

import xterm from "@xterm/headless";
import { describe, expect, test } from "vitest";
import { OutputGate } from "./output-gate.js";
import {
  BELL,
  clearOverlay,
  layoutOverlay,
  type OverlaySpec,
  osc9Notification,
  renderBanner,
  renderOverlay,
} from "./overlay.js";
import { clipToWidth, displayWidth, padToWidth, sanitizeText, wrapToWidth } from "./text-width.js";

const PROMPT: Omit<OverlaySpec, "cols" | "rows"> = {
  title: "Subscription limit reached",
  lines: [
    "You've hit your 5-hour limit · resets 3:47am (UTC).",
    "Continue this conversation on your API key? Spending is capped at $10.00 for this run.",
  ],
  keys: [
    { key: "y", label: "yes" },
    { key: "n", label: "no" },
    { key: "a", label: "yes for this run" },
  ],
};

const plain = (row: { text: string }[]) => row.map((segment) => segment.text).join("");

type Screen = InstanceType<typeof xterm.Terminal>;

function screen(cols: number, rows: number): Screen {
  return new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 100 });
}

function write(terminal: Screen, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

function visibleLines(terminal: Screen): string[] {
  const buffer = terminal.buffer.active;
  const out: string[] = [];
  for (let row = 0; row < terminal.rows; row++) {
    out.push(buffer.getLine(buffer.baseY + row)?.translateToString(false) ?? "");
  }
  return out;
}

/** A screen filled with a recognisable pattern, cursor left at row 3, column 5 (0-based). */
async function filledScreen(cols: number, rows: number): Promise<Screen> {
  const terminal = screen(cols, rows);
  let fill = "";
  for (let row = 0; row < rows; row++) {
    fill += `\x1b[${row + 1};1H${String.fromCharCode(97 + (row % 26)).repeat(cols)}`;
  }
  await write(terminal, `${fill}\x1b[4;6H`);
  return terminal;
}

describe("text width", () => {
  test.each([
    ["abc", 3],
    ["日本語", 6],
    ["ｈｉ", 4],
    ["👍", 2],
    ["👨‍👩‍👧", 2],
    ["🇯🇵", 2],
    ["e\u0301", 1],
    ["✳", 1],
    ["❤️", 2],
    ["\u200b", 0],
    ["한국", 4],
  ])("%j is %i columns", (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  test("clipping never cuts a wide character in half", () => {
    expect(clipToWidth("日本語テキスト", 5)).toBe("日本…");
    expect(displayWidth(clipToWidth("日本語テキスト", 5))).toBeLessThanOrEqual(5);
    expect(clipToWidth("abc", 3)).toBe("abc");
    expect(clipToWidth("abcd", 3)).toBe("ab…");
    expect(clipToWidth("abcd", 0)).toBe("");
    expect(padToWidth("日本", 5)).toBe("日本 ");
  });

  test("wrapping by words, breaking only words too long for a line", () => {
    expect(wrapToWidth("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(wrapToWidth("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapToWidth("日本語テキスト", 5)).toEqual(["日本", "語テ", "キス", "ト"]);
    expect(wrapToWidth("", 5)).toEqual([""]);
    expect(wrapToWidth("日本", 1)).toEqual([""]);
  });

  test("sanitising removes what could move the cursor or end an OSC", () => {
    expect(sanitizeText("a\x1b[31mb\x07c\x9bd\te\nf")).toBe("a[31mbcd e f");
  });
});

describe("overlay layout", () => {
  test("fits every terminal size, every row exactly the box width", () => {
    const specs = [
      PROMPT,
      { title: "日本語のタイトル😀", lines: ["長い行".repeat(40), "👍".repeat(50)], keys: PROMPT.keys },
      { title: "", lines: [], keys: [] },
      {
        title: "x".repeat(200),
        lines: Array.from({ length: 50 }, (_, index) => `line ${index}`),
        keys: PROMPT.keys,
      },
    ];
    const problems: string[] = [];
    for (const spec of specs) {
      for (let cols = 1; cols <= 100; cols += 7) {
        for (let rows = 1; rows <= 30; rows += 3) {
          for (const placement of ["center", "bottom"] as const) {
            const layout = layoutOverlay({ ...spec, cols, rows, placement });
            const where = `${spec.title.slice(0, 8)} ${cols}x${rows} ${placement}`;
            if (layout.left < 1 || layout.top < 1) problems.push(`${where}: starts off screen`);
            if (layout.left + layout.width - 1 > cols) problems.push(`${where}: too wide`);
            if (layout.top + layout.height - 1 > rows) problems.push(`${where}: too tall`);
            if (layout.rows.length !== layout.height) problems.push(`${where}: height`);
            for (const row of layout.rows) {
              if (displayWidth(plain(row)) !== layout.width) problems.push(`${where}: row ${plain(row)}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the prompt at 80×24: whole sentences, keys on one line", () => {
    const layout = layoutOverlay({ ...PROMPT, cols: 80, rows: 24 });
    const text = layout.rows.map(plain);
    expect(text[0]).toMatch(/^┌─ Subscription limit reached ─+┐$/);
    expect(text.some((line) => line.includes("[y] yes  [n] no  [a] yes for this run"))).toBe(true);
    expect(text.join("\n")).toContain("You've hit your 5-hour limit · resets 3:47am (UTC).");
    expect(text.at(-1)).toMatch(/^└─+┘$/);
  });

  test("the prompt at 40×10: wrapped, every key still shown", () => {
    const layout = layoutOverlay({ ...PROMPT, cols: 40, rows: 10 });
    const text = layout.rows.map(plain).join("\n");
    expect(layout.width).toBe(40);
    expect(layout.height).toBeLessThanOrEqual(10);
    for (const hint of ["[y] yes", "[n] no", "[a] yes for this run"]) expect(text).toContain(hint);
    expect(text).toContain("5-hour limit");
  });

  test("too little room: the body is cut with an ellipsis, the keys stay", () => {
    const layout = layoutOverlay({ ...PROMPT, cols: 30, rows: 6 });
    const text = layout.rows.map(plain);
    expect(text).toHaveLength(6);
    expect(text.join("\n")).toContain("[y] yes");
    expect(text.some((line) => line.includes("…"))).toBe(true);
  });

  test("a terminal too small for a box gets one line at the bottom", () => {
    const layout = layoutOverlay({ ...PROMPT, cols: 10, rows: 2 });
    expect(layout).toMatchObject({ top: 2, left: 1, width: 10, height: 1 });
  });

  test("ASCII borders on request", () => {
    const text = layoutOverlay({ ...PROMPT, cols: 60, rows: 12, ascii: true }).rows.map(plain);
    expect(text[0]).toMatch(/^\+- Subscription limit reached -+\+$/);
    expect(text[1]).toMatch(/^\| .* \|$/);
  });

  test("text is sanitised: no control characters reach the terminal as text", () => {
    const layout = layoutOverlay({
      title: "evil\x1b[2J",
      lines: ["a\x1b]0;pwned\x07b"],
      keys: [{ key: "\x1b", label: "x\r" }],
      cols: 40,
      rows: 10,
    });
    for (const row of layout.rows) expect(plain(row)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe("overlay on a real terminal emulator", () => {
  const sizes: [number, number][] = [
    [80, 24],
    [40, 10],
    [20, 6],
    [12, 3],
    [10, 3],
    [1, 1],
  ];
  for (const [cols, rows] of sizes) {
    test(`${cols}×${rows}: drawn in place, nothing scrolls, cursor and attributes restored`, async () => {
      const terminal = await filledScreen(cols, rows);
      const before = visibleLines(terminal);
      const cursor = { x: terminal.buffer.active.cursorX, y: terminal.buffer.active.cursorY };
      const spec = { ...PROMPT, cols, rows };
      await write(terminal, renderOverlay(spec));
      const after = visibleLines(terminal);
      const layout = layoutOverlay(spec);
      expect(terminal.buffer.active.baseY).toBe(0);
      expect({ x: terminal.buffer.active.cursorX, y: terminal.buffer.active.cursorY }).toEqual(cursor);
      for (let row = 0; row < rows; row++) {
        const inside = row >= layout.top - 1 && row < layout.top - 1 + layout.height;
        if (!inside) expect(after[row], `row ${row}`).toBe(before[row]);
        else {
          const left = layout.left - 1;
          expect(after[row]!.slice(0, left)).toBe(before[row]!.slice(0, left));
          expect(after[row]!.slice(left + layout.width)).toBe(before[row]!.slice(left + layout.width));
        }
      }
      // Text written after the overlay has the child's attributes, not ours.
      await write(terminal, "\x1b[31m");
      await write(terminal, renderOverlay(spec));
      await write(terminal, "Z");
      const cell = terminal.buffer.active
        .getLine(terminal.buffer.active.cursorY)
        ?.getCell(Math.max(0, terminal.buffer.active.cursorX - 1));
      expect(cell?.getChars()).toBe("Z");
      expect(cell?.getFgColor()).toBe(1);
      terminal.dispose();
    });
  }

  test("the box shows the prompt; clearOverlay blanks exactly its area", async () => {
    const terminal = await filledScreen(60, 16);
    const before = visibleLines(terminal);
    const spec = { ...PROMPT, cols: 60, rows: 16 };
    const layout = layoutOverlay(spec);
    await write(terminal, renderOverlay(spec));
    const shown = visibleLines(terminal).join("\n");
    expect(shown).toContain("Subscription limit reached");
    expect(shown).toContain("[a] yes for this run");
    await write(terminal, clearOverlay(spec));
    const cleared = visibleLines(terminal);
    for (let row = 0; row < 16; row++) {
      const inside = row >= layout.top - 1 && row < layout.top - 1 + layout.height;
      const left = layout.left - 1;
      const expected = inside
        ? before[row]!.slice(0, left) + " ".repeat(layout.width) + before[row]!.slice(left + layout.width)
        : before[row];
      expect(cleared[row]).toBe(expected);
    }
    terminal.dispose();
  });

  test("wide characters at the edge stay inside the box", async () => {
    const terminal = await filledScreen(23, 8);
    const spec = {
      title: "日本語",
      lines: ["日本語".repeat(10)],
      keys: [{ key: "y", label: "はい" }],
      cols: 23,
      rows: 8,
    };
    await write(terminal, renderOverlay(spec));
    const layout = layoutOverlay(spec);
    const lines = visibleLines(terminal);
    for (let row = layout.top - 1; row < layout.top - 1 + layout.height; row++) {
      expect(lines[row]!.slice(layout.left + layout.width - 1)).toBe(
        String.fromCharCode(97 + (row % 26)).repeat(23 - (layout.left + layout.width - 1)),
      );
    }
    terminal.dispose();
  });

  test("a banner covers one row, clipped to the width, cursor restored", async () => {
    const terminal = await filledScreen(30, 6);
    const before = visibleLines(terminal);
    await write(terminal, renderBanner("Switched to API billing — 日本語 text that is far too long", 30, 6));
    const after = visibleLines(terminal);
    expect(after.slice(0, 5)).toEqual(before.slice(0, 5));
    expect(after[5]).toMatch(/^ Switched to API billing — 日/);
    expect(after[5]!.endsWith("…")).toBe(true);
    expect(terminal.buffer.active.baseY).toBe(0);
    expect({ x: terminal.buffer.active.cursorX, y: terminal.buffer.active.cursorY }).toEqual({ x: 5, y: 3 });
    await write(terminal, renderBanner("top", 30, 6, "top"));
    expect(visibleLines(terminal)[0]).toBe(` top${" ".repeat(26)}`);
    terminal.dispose();
  });
});

describe("notifications", () => {
  test("bell", () => {
    expect(BELL).toBe("\x07");
  });

  test("OSC 9 text cannot end the sequence or become a sub-command", () => {
    expect(osc9Notification("Limit reached")).toBe("\x1b]9;Limit reached\x07");
    expect(osc9Notification("a\x07b\x1b\\c\x9cd\ne")).toBe("\x1b]9;ab\\cd e\x07");
    expect(osc9Notification("4;3;50")).toBe("\x1b]9; 4;3;50\x07");
    const long = osc9Notification("x".repeat(1000));
    expect([...long].length).toBeLessThan(270);
  });
});

describe("OutputGate", () => {
  const collector = () => {
    const written: string[] = [];
    return { written, write: (chunk: Uint8Array) => written.push(Buffer.from(chunk).toString()) };
  };

  test("passes through, holds in order, releases in order", () => {
    const out = collector();
    const gate = new OutputGate({ write: out.write });
    gate.write(Buffer.from("a"));
    gate.hold();
    gate.write(Buffer.from("b"));
    gate.write(Buffer.from("c"));
    expect(out.written).toEqual(["a"]);
    expect(gate.heldBytes).toBe(2);
    expect(gate.release()).toEqual({ releasedBytes: 2, droppedBytes: 0 });
    gate.write(Buffer.from("d"));
    expect(out.written).toEqual(["a", "b", "c", "d"]);
    expect(gate.holding).toBe(false);
  });

  test("past the bound, held output is dropped and counted, and so is the rest until release", () => {
    const out = collector();
    const gate = new OutputGate({ write: out.write, maxHeldBytes: 5 });
    gate.hold();
    gate.write(Buffer.from("abc"));
    gate.write(Buffer.from("de"));
    expect(gate.heldBytes).toBe(5);
    gate.write(Buffer.from("f"));
    gate.write(Buffer.from("gh"));
    expect(gate.heldBytes).toBe(0);
    expect(gate.droppedBytes).toBe(8);
    expect(gate.release()).toEqual({ releasedBytes: 0, droppedBytes: 8 });
    expect(out.written).toEqual([]);
    gate.hold();
    gate.write(Buffer.from("ok"));
    expect(gate.release()).toEqual({ releasedBytes: 2, droppedBytes: 0 });
    expect(out.written).toEqual(["ok"]);
  });

  test("hold twice is one hold", () => {
    const out = collector();
    const gate = new OutputGate({ write: out.write });
    gate.hold();
    gate.write(Buffer.from("x"));
    gate.hold();
    expect(gate.release().releasedBytes).toBe(1);
  });
});

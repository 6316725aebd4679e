import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeKeys, type InputEvent, InputScanner } from "./input-scanner.js";
import { type Key, menuKeyCodepoints } from "./keys.js";

const CTRL_RIGHT_BRACKET = 0x1d;
const bytes = (text: string) => Buffer.from(text, "latin1");

interface Summary {
  data: string;
  menus: { bytes: string; repeated: boolean }[];
  order: string[];
}

/** Feeds `chunks` in passthrough mode, flushing at the end, and summarises what came out. */
function run(chunks: readonly Buffer[], menuKeyByte = CTRL_RIGHT_BRACKET): Summary {
  const scanner = new InputScanner({ menuKeyByte });
  const events: InputEvent[] = [];
  for (const chunk of chunks) events.push(...scanner.scan(chunk));
  scanner.flushPending();
  for (let event = scanner.next(); event; event = scanner.next()) events.push(event);
  expect(scanner.pending).toBe(false);
  return summarise(events);
}

function summarise(events: readonly InputEvent[]): Summary {
  const summary: Summary = { data: "", menus: [], order: [] };
  for (const event of events) {
    const text = event.bytes.toString("latin1");
    if (event.type === "data") {
      summary.data += text;
      if (summary.order.at(-1) !== "data") summary.order.push("data");
    } else if (event.type === "menu") {
      summary.menus.push({ bytes: text, repeated: event.repeated });
      summary.order.push("menu");
    }
  }
  return summary;
}

/** Every way to cut `input` into two chunks, plus one chunk per byte. */
function splits(input: Buffer): Buffer[][] {
  const out: Buffer[][] = [[input]];
  for (let cut = 1; cut < input.length; cut++) out.push([input.subarray(0, cut), input.subarray(cut)]);
  out.push([...input].map((byte) => Buffer.from([byte])));
  return out;
}

describe("menu key encodings (ctrl-])", () => {
  const menuForms: [string, string][] = [
    ["raw control byte", "\x1d"],
    ["kitty", "\x1b[93;5u"],
    ["kitty press event", "\x1b[93;5:1u"],
    ["kitty repeat event", "\x1b[93;5:2u"],
    ["kitty with shifted key", "\x1b[93:125;5u"],
    ["kitty with base layout key", "\x1b[1098::93;5u"],
    ["kitty ctrl+shift", "\x1b[93;6u"],
    ["kitty with caps lock", "\x1b[93;69u"],
    ["kitty with num lock", "\x1b[93;133u"],
    ["kitty with associated text", "\x1b[93;5;29u"],
    ["modifyOtherKeys", "\x1b[27;5;93~"],
  ];
  const contexts: [string, string, string][] = [
    ["alone", "", ""],
    ["after typing", "hello ", ""],
    ["before typing", "", " world"],
    ["between UTF-8 text", "caf\xc3\xa9 ", " \xe2\x82\xac"],
    ["after an arrow key", "\x1b[A", "\x1b[B"],
    ["after a complete paste", "\x1b[200~pasted\x1d\x1b[201~", "x"],
    ["after a mouse report", "\x1b[<35;10;5M", "\x1b[<0;1;1m"],
    ["after focus reports", "\x1b[I", "\x1b[O"],
    ["after terminal replies", "\x1b[?62;22c\x1bP>|xterm(390)\x1b\\", "\x1b]11;rgb:0000/0000/0000\x07"],
  ];

  for (const [formName, form] of menuForms) {
    for (const [contextName, before, after] of contexts) {
      test(`${formName} ${contextName}, split anywhere`, () => {
        for (const chunks of splits(bytes(before + form + after))) {
          const result = run(chunks);
          expect(result.menus).toEqual([{ bytes: form, repeated: false }]);
          expect(result.data).toBe(before + after);
        }
      });
    }
  }

  test("a kitty release of the menu key is swallowed, neither data nor a press", () => {
    const result = run([bytes("\x1b[93;5u\x1b[93;5:3ua")]);
    expect(result.menus).toHaveLength(1);
    expect(result.data).toBe("a");
  });

  const notMenu: [string, string][] = [
    ["alt+ctrl-] (ESC prefix)", "\x1b\x1d"],
    ["kitty ctrl+alt", "\x1b[93;7u"],
    ["kitty ctrl+super", "\x1b[93;13u"],
    ["kitty without ctrl", "\x1b[93u"],
    ["kitty other key", "\x1b[94;5u"],
    ["kitty flags reply", "\x1b[?93;5u"],
    ["modifyOtherKeys other key", "\x1b[27;5;94~"],
    ["modifyOtherKeys without ctrl", "\x1b[27;2;93~"],
    ["SGR mouse with 29 (0x1d) as a number", "\x1b[<29;93;5M"],
    ["legacy mouse report holding the byte", "\x1b[M\x1d!!"],
    ["inside a bracketed paste", "\x1b[200~a\x1db\x1b[93;5uc\x1b[27;5;93~\x1b[201~"],
    ["ESC [ then the byte: alt-[ then the key", "\x1b[93;\x1d"],
  ];
  for (const [name, input] of notMenu.slice(0, -1)) {
    test(`not the menu key: ${name}, split anywhere`, () => {
      for (const chunks of splits(bytes(input))) {
        const result = run(chunks);
        expect(result.menus).toEqual([]);
        expect(result.data).toBe(input);
      }
    });
  }

  test("a control byte ends a broken sequence; the byte itself is then the menu key", () => {
    for (const broken of ["\x1b[93;", "\x1bO", "\x1b[", "\x1b]11;"]) {
      const result = run([bytes(`${broken}\x1d`)]);
      expect(result.data).toBe(broken);
      expect(result.menus).toEqual([{ bytes: "\x1d", repeated: false }]);
    }
  });

  test("a paste split anywhere hides the menu key and comes through whole", () => {
    const paste = "\x1b[200~line one\r\x1d\x1b[93;5u\x1b[201~";
    for (const chunks of splits(bytes(`${paste}\x1d`))) {
      const result = run(chunks);
      expect(result.data).toBe(paste);
      expect(result.menus).toEqual([{ bytes: "\x1d", repeated: false }]);
    }
  });
});

describe("other menu keys", () => {
  const cases: [string, number, string[], string[]][] = [
    ["ctrl-a", 0x01, ["\x01", "\x1b[97;5u", "\x1b[27;5;97~"], ["\x1b[98;5u", "\x1b[97u"]],
    ["ctrl-\\", 0x1c, ["\x1c", "\x1b[92;5u"], ["\x1b[93;5u"]],
    ["ctrl-^", 0x1e, ["\x1e", "\x1b[94;5u", "\x1b[54;6u", "\x1b[54;5u"], ["\x1b[55;5u"]],
    ["ctrl-_", 0x1f, ["\x1f", "\x1b[95;5u", "\x1b[45;6u"], ["\x1b[47;7u"]],
  ];
  for (const [name, byte, menus, others] of cases) {
    test(name, () => {
      for (const form of menus) expect(run([bytes(form)], byte).menus, form).toHaveLength(1);
      for (const form of others) expect(run([bytes(form)], byte).data, form).toBe(form);
      // The default menu key's byte is ordinary input when another key is configured.
      expect(run([bytes("\x1d")], byte).data).toBe("\x1d");
    });
  }

  test("codepoints come from the key", () => {
    expect(menuKeyCodepoints(0x1d)).toEqual([93]);
    expect(menuKeyCodepoints(0x1a)).toEqual([122]);
    expect(() => menuKeyCodepoints(0x41)).toThrow(RangeError);
  });
});

describe("double press", () => {
  test("twice in a row: the second press is marked repeated", () => {
    expect(run([bytes("\x1d\x1d")]).menus).toEqual([
      { bytes: "\x1d", repeated: false },
      { bytes: "\x1d", repeated: true },
    ]);
  });

  test("a pair is used up: the third press in a row is a first press again, the fourth its repeat", () => {
    expect(run([bytes("\x1d\x1d"), bytes("\x1d"), bytes("\x1d")]).menus.map((menu) => menu.repeated)).toEqual(
      [false, true, false, true],
    );
  });

  test("across reads and encodings", () => {
    expect(
      run([bytes("\x1b[93;5u"), bytes("\x1b[93;5:3u"), bytes("\x1d")]).menus.map((menu) => menu.repeated),
    ).toEqual([false, true]);
  });

  test("typing in between breaks the pair; reports and replies do not", () => {
    expect(run([bytes("\x1dx\x1d")]).menus.map((menu) => menu.repeated)).toEqual([false, false]);
    expect(run([bytes("\x1d\x1b[A\x1d")]).menus.map((menu) => menu.repeated)).toEqual([false, false]);
    expect(run([bytes("\x1d\x1b[200~p\x1b[201~\x1d")]).menus.map((menu) => menu.repeated)).toEqual([
      false,
      false,
    ]);
    expect(run([bytes("\x1d\x1b[I\x1b[<35;1;1M\x1b[?1u\x1d")]).menus.map((menu) => menu.repeated)).toEqual([
      false,
      true,
    ]);
  });

  test("the session flow: menu opens keys mode, the second press is handed back for the child", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    scanner.push(bytes("ab\x1dy\x1d\x1dz"));
    const seen: string[] = [];
    for (let event = scanner.next(); event; event = scanner.next()) {
      if (event.type === "data") seen.push(`data:${event.bytes.toString("latin1")}`);
      else if (event.type === "key") seen.push(`key:${event.key.name}`);
      else if (event.repeated) {
        seen.push("send-literal");
        scanner.mode = "passthrough";
      } else {
        seen.push("open-menu");
        scanner.mode = "keys";
      }
    }
    // "y" answers the menu; the next press opens it again; the one after it is the literal key.
    expect(seen).toEqual(["data:ab", "open-menu", "key:y", "open-menu", "send-literal", "data:z"]);
  });
});

describe("keys mode", () => {
  const key = (name: string, extra: Partial<Key> = {}): Key => ({
    name,
    ctrl: false,
    alt: false,
    shift: false,
    ...extra,
  });
  const table: [string, string, Key[]][] = [
    ["letters", "ynasuc", ["y", "n", "a", "s", "u", "c"].map((name) => key(name, { text: name }))],
    ["shifted letter", "Y", [key("y", { text: "Y", shift: true })]],
    ["digits", "19", [key("1", { text: "1" }), key("9", { text: "9" })]],
    ["Enter (CR)", "\r", [key("enter")]],
    ["Enter (LF)", "\n", [key("enter")]],
    ["Esc alone", "\x1b", [key("escape")]],
    ["Esc, kitty", "\x1b[27u", [key("escape")]],
    ["Esc, modifyOtherKeys", "\x1b[27;1;27~", [key("escape")]],
    ["two Esc", "\x1b\x1b", [key("escape"), key("escape")]],
    ["arrows, normal", "\x1b[A\x1b[B\x1b[C\x1b[D", ["up", "down", "right", "left"].map((name) => key(name))],
    [
      "arrows, application",
      "\x1bOA\x1bOB\x1bOC\x1bOD",
      ["up", "down", "right", "left"].map((name) => key(name)),
    ],
    ["ctrl+arrow", "\x1b[1;5C", [key("right", { ctrl: true })]],
    ["ctrl-c", "\x03", [key("c", { ctrl: true })]],
    ["kitty letter", "\x1b[121u", [key("y", { text: "y" })]],
    ["kitty shifted letter", "\x1b[121:89;2u", [key("y", { text: "Y", shift: true })]],
    ["kitty Enter", "\x1b[13u", [key("enter")]],
    ["kitty keypad Enter", "\x1b[57414u", [key("enter")]],
    ["kitty keypad digit", "\x1b[57400u", [key("1", { text: "1" })]],
    ["alt+x", "\x1bx", [key("x", { text: "x", alt: true })]],
    ["UTF-8 character", "\xc3\xa9", [key("é", { text: "é" })]],
    ["space", " ", [key("space", { text: " " })]],
    ["page down", "\x1b[6~", [key("pagedown")]],
    ["shift-tab", "\x1b[Z", [key("tab", { shift: true })]],
  ];
  for (const [name, input, expected] of table) {
    test(`${name}, split anywhere`, () => {
      for (const chunks of splits(bytes(input))) {
        const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
        scanner.mode = "keys";
        const keys: Key[] = [];
        const drain = () => {
          for (let event = scanner.next(); event; event = scanner.next()) {
            if (event.type === "key") keys.push(event.key);
          }
        };
        for (const chunk of chunks) {
          scanner.push(chunk);
          drain();
        }
        scanner.flushPending();
        drain();
        expect(keys).toEqual(expected);
      }
    });
  }

  test("mouse reports, key releases and pastes are not keys; focus and replies go to the child", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    scanner.mode = "keys";
    const events = scanner.scan(
      bytes("\x1b[<35;10;5M\x1b[M !!\x1b[121;1:3u\x1b[200~y\x1b[201~\x1b[I\x1b[?62c\x1b]11;rgb:0/0/0\x07n"),
    );
    expect(events.map((event) => (event.type === "key" ? `key:${event.key.name}` : event.type))).toEqual([
      "data",
      "data",
      "data",
      "key:n",
    ]);
    expect(events.slice(0, 3).map((event) => event.bytes.toString("latin1"))).toEqual([
      "\x1b[I",
      "\x1b[?62c",
      "\x1b]11;rgb:0/0/0\x07",
    ]);
  });

  test("a paste begun before the overlay opened is finished for the child", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    expect(summarise(scanner.scan(bytes("\x1b[200~part one "))).data).toBe("\x1b[200~part one ");
    scanner.mode = "keys";
    expect(summarise(scanner.scan(bytes("part two\x1b[201~y"))).data).toBe("part two\x1b[201~");
  });

  test("the menu key is still recognised (second press)", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    scanner.mode = "keys";
    expect(scanner.scan(bytes("\x1b[93;5u")).map((event) => event.type)).toEqual(["menu"]);
  });

  test("decodeKeys decodes a read in one go", () => {
    expect(decodeKeys(bytes("y\x1b[B\x1b"), CTRL_RIGHT_BRACKET).map((found) => found.name)).toEqual([
      "y",
      "down",
      "escape",
    ]);
  });
});

describe("held input", () => {
  test("a cut-short sequence is held until more input or a flush", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    expect(summarise(scanner.scan(bytes("ab\x1b[93"))).data).toBe("ab");
    expect(scanner.pending).toBe(true);
    scanner.flushPending();
    expect(summarise([scanner.next()!]).data).toBe("\x1b[93");
    expect(scanner.pending).toBe(false);
  });

  test("a lone Esc waits for the next read: it may start a split menu key", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    expect(scanner.scan(bytes("\x1b"))).toEqual([]);
    expect(scanner.pending).toBe(true);
    expect(scanner.scan(bytes("[93;5u")).map((event) => event.type)).toEqual(["menu"]);
  });

  test("an unterminated OSC, flushed, is alt-] and typing, and the menu key still works", () => {
    const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
    scanner.push(bytes("\x1b]abc"));
    expect(scanner.next()).toBeUndefined();
    scanner.flushPending();
    const events: InputEvent[] = [];
    for (let event = scanner.next(); event; event = scanner.next()) events.push(event);
    expect(summarise([...events, ...scanner.scan(bytes("\x1d"))])).toMatchObject({
      data: "\x1b]abc",
      menus: [{ bytes: "\x1d" }],
    });
  });
});

describe("passthrough is byte-exact (property)", () => {
  const vocabulary = fc.constantFrom(
    "a",
    "Hello",
    "\r",
    "\x03",
    "\x00",
    "\x7f",
    "\xe2\x82\xac",
    "\xff\xfe",
    "\x80",
    "\x1b[A",
    "\x1bOP",
    "\x1b[1;5C",
    "\x1bx",
    "\x1b[<35;10;5M",
    "\x1b[<0;1;1m",
    "\x1b[M !!",
    "\x1b[I",
    "\x1b[O",
    "\x1b[?62;22c",
    "\x1b]11;rgb:1d1d/0000/0000\x1b\\",
    "\x1bP>|xterm\x1b\\",
    "\x1b[200~paste \x1d \x1b[93;5u\x1b[201~",
    "\x1b[27u",
    "\x1b[121;1:3u",
  );
  const menu = fc.constantFrom("\x1d", "\x1b[93;5u", "\x1b[27;5;93~");
  const piece = fc.oneof(
    { weight: 4, arbitrary: vocabulary.map((text) => ({ text, menu: false })) },
    { weight: 1, arbitrary: menu.map((text) => ({ text, menu: true })) },
  );

  test("data + menu bytes reassemble the input, menus found exactly where pressed", () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (pieces, cuts) => {
          const input = bytes(pieces.map((entry) => entry.text).join(""));
          const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let previous = 0;
          for (const point of [...points, input.length]) {
            chunks.push(input.subarray(previous, point));
            previous = point;
          }
          const scanner = new InputScanner({ menuKeyByte: CTRL_RIGHT_BRACKET });
          const events: InputEvent[] = [];
          for (const chunk of chunks) events.push(...scanner.scan(chunk));
          scanner.flushPending();
          for (let event = scanner.next(); event; event = scanner.next()) events.push(event);
          const rebuilt = events.map((event) => event.bytes.toString("latin1")).join("");
          // Only kitty releases of other keys are in the vocabulary: nothing is swallowed.
          expect(rebuilt).toBe(input.toString("latin1"));
          expect(
            events.filter((event) => event.type === "menu").map((event) => event.bytes.toString("latin1")),
          ).toEqual(pieces.filter((entry) => entry.menu).map((entry) => entry.text));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("typed input is told apart from reports", () => {
  const scanner = () => new InputScanner({ menuKeyByte: 0x1d });
  test.each([
    ["plain text", "hello", true],
    ["an arrow key", "\x1b[A", true],
    ["a bracketed paste", "\x1b[200~pasted\x1b[201~", true],
    ["an SGR mouse report", "\x1b[<35;10;5M", false],
    ["focus in and out", "\x1b[I\x1b[O", false],
    ["a kitty keyboard reply", "\x1b[?1u", false],
    ["a mouse report then a letter", "\x1b[<0;1;1Mx", true],
  ])("%s → typed %s", (_name, input, typed) => {
    const events = scanner().scan(Buffer.from(input, "latin1"));
    const data = events.filter(
      (event): event is Extract<InputEvent, { type: "data" }> => event.type === "data",
    );
    expect(data.length).toBeGreaterThan(0);
    expect(data.some((event) => event.typed)).toBe(typed);
  });
});

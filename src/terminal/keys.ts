/**
 * Key decoding: what a key press looks like in each encoding a terminal may send it in — a byte,
 * ESC + byte (alt), SS3, CSI with xterm modifiers, the kitty keyboard protocol and xterm's
 * modifyOtherKeys. Which bytes form one sequence is the input scanner's business
 * (`input-scanner.ts`); this module only names the key a sequence stands for.
 */

/** A decoded key press, for overlays. */
export interface Key {
  /**
   * The key: a lower-case letter, digit or other printable character ("y", "1", "?"), or one of
   * "enter", "escape", "tab", "backspace", "space", "up", "down", "left", "right", "home", "end",
   * "pageup", "pagedown", "insert", "delete", "f1"…"f12", "unknown".
   */
  name: string;
  /** The character it types, for printable keys ("Y" for shift-y). */
  text?: string;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
}

export interface Modifiers {
  shift: boolean;
  alt: boolean;
  ctrl: boolean;
  /** super, hyper or meta: a different chord. */
  other: boolean;
}

/** Kitty / xterm modifier parameter: 1 + bits (shift 1, alt 2, ctrl 4, super 8, hyper 16, meta 32, locks 64/128). */
export function decodeModifiers(parameter: number | undefined): Modifiers {
  const bits = parameter === undefined || Number.isNaN(parameter) ? 0 : Math.max(0, parameter - 1);
  return { shift: (bits & 1) !== 0, alt: (bits & 2) !== 0, ctrl: (bits & 4) !== 0, other: (bits & 56) !== 0 };
}

/**
 * The key codepoints a terminal with the kitty protocol or modifyOtherKeys reports, with ctrl,
 * for the key whose legacy control byte is `byte` (shift is allowed: legacy terminals send the
 * same byte with and without it, e.g. ctrl-^ is ctrl-shift-6 on a US layout).
 */
export function menuKeyCodepoints(byte: number): number[] {
  if (byte >= 0x01 && byte <= 0x1a) return [0x60 + byte]; // ctrl-a … ctrl-z
  switch (byte) {
    case 0x1c:
      return [0x5c]; // ctrl-\
    case 0x1d:
      return [0x5d]; // ctrl-]
    case 0x1e:
      return [0x5e, 0x36]; // ctrl-^, ctrl-6
    case 0x1f:
      return [0x5f, 0x2d]; // ctrl-_, ctrl-shift-minus
    default:
      throw new RangeError(`not a menu key byte: 0x${byte.toString(16)}`);
  }
}

const LETTER_KEYS: ReadonlyMap<string, string> = new Map([
  ["A", "up"],
  ["B", "down"],
  ["C", "right"],
  ["D", "left"],
  ["H", "home"],
  ["F", "end"],
  ["P", "f1"],
  ["Q", "f2"],
  ["S", "f4"],
  ["Z", "tab"],
]);

const TILDE_KEYS: ReadonlyMap<number, string> = new Map([
  [1, "home"],
  [2, "insert"],
  [3, "delete"],
  [4, "end"],
  [5, "pageup"],
  [6, "pagedown"],
  [7, "home"],
  [8, "end"],
  [11, "f1"],
  [12, "f2"],
  [13, "f3"],
  [14, "f4"],
  [15, "f5"],
  [17, "f6"],
  [18, "f7"],
  [19, "f8"],
  [20, "f9"],
  [21, "f10"],
  [23, "f11"],
  [24, "f12"],
]);

const SS3_KEYS: ReadonlyMap<string, string> = new Map([...LETTER_KEYS, ["R", "f3"], ["M", "enter"]]);

/** Kitty codepoints that are not characters. */
const KITTY_FUNCTIONAL: ReadonlyMap<number, string> = new Map([
  [13, "enter"],
  [27, "escape"],
  [9, "tab"],
  [127, "backspace"],
  [8, "backspace"],
  [32, "space"],
  [57414, "enter"], // keypad Enter
]);

export function withModifiers(key: Key, { shift, alt, ctrl }: Modifiers): Key {
  return { ...key, shift, alt, ctrl };
}

export function namedKey(name: string): Key {
  return { name, ctrl: false, alt: false, shift: false };
}

export function unknownKey(alt: boolean): Key {
  return { ...namedKey("unknown"), alt };
}

/** CSI n ~ (n its first parameter): home, insert, delete, page keys, F1–F12. */
export function tildeKey(number: number | undefined, modifiers: Modifiers): Key {
  return withModifiers(namedKey(TILDE_KEYS.get(number ?? -1) ?? "unknown"), modifiers);
}

/** CSI … letter: arrows, home, end, F1–F4, shift-tab; undefined for a letter that is no key. */
export function letterKey(final: string, modifiers: Modifiers): Key | undefined {
  const name = LETTER_KEYS.get(final);
  if (name === undefined) return undefined;
  const key = withModifiers(namedKey(name), modifiers);
  return final === "Z" ? { ...key, shift: true } : key;
}

export function ss3Key(byte: number): Key {
  return namedKey(SS3_KEYS.get(String.fromCharCode(byte)) ?? "unknown");
}

export function characterKey(text: string, modifiers: Partial<Key>): Key {
  if (text === " ") return { ...namedKey("space"), text, ...modifiers };
  const lower = text.toLowerCase();
  return { ...namedKey(lower), text, ...modifiers, shift: Boolean(modifiers.shift) || lower !== text };
}

/** A byte typed on its own (or after ESC, as alt): a character or a ctrl chord. */
export function keyForByte(byte: number, alt: boolean): Key {
  if (byte === 0x0d || byte === 0x0a) return { ...namedKey("enter"), alt };
  if (byte === 0x09) return { ...namedKey("tab"), alt };
  if (byte === 0x7f || byte === 0x08) return { ...namedKey("backspace"), alt };
  if (byte === 0x00) return { ...namedKey("space"), ctrl: true, alt };
  if (byte < 0x20) {
    const character = byte <= 0x1a ? String.fromCharCode(0x60 + byte) : String.fromCharCode(0x40 + byte);
    return { ...namedKey(character), ctrl: true, alt };
  }
  if (byte >= 0x80) return unknownKey(alt);
  return characterKey(String.fromCharCode(byte), { alt });
}

export function kittyKey(code: number, shifted: number | undefined, modifiers: Modifiers): Key {
  const { shift, alt, ctrl } = modifiers;
  const functional = KITTY_FUNCTIONAL.get(code);
  if (functional) return { ...namedKey(functional), shift, alt, ctrl };
  if (code >= 57399 && code <= 57408)
    return { ...namedKey(String(code - 57399)), text: String(code - 57399) };
  if (Number.isNaN(code) || code < 0x20 || code > 0x10ffff || (code >= 57344 && code <= 63743)) {
    return { ...unknownKey(alt), shift, ctrl };
  }
  const base = String.fromCodePoint(code);
  const text = shift
    ? shifted !== undefined && !Number.isNaN(shifted)
      ? String.fromCodePoint(shifted)
      : base.toUpperCase()
    : base;
  return { ...namedKey(base.toLowerCase()), text, shift, alt, ctrl };
}

/**
 * The key an overlay (the limit prompt, the menu) reads: Ctrl-C is Escape — no, or close — as
 * anyone pressing it there means; any other key held with Ctrl or Alt is none of its letters
 * (Ctrl-Y must not say yes to API billing). "none" for those.
 */
export function overlayKeyName(key: Key): string {
  if (key.ctrl && !key.alt && key.name === "c") return "escape";
  return key.ctrl || key.alt ? "none" : key.name;
}

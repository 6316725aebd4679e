import { expect, test } from "vitest";
import { keyForByte, namedKey, overlayKeyName } from "./keys.js";

test.each([
  [keyForByte(0x03, false), "escape"], // Ctrl-C
  [keyForByte(0x19, false), "none"], // Ctrl-Y: never yes
  [keyForByte(0x0e, false), "none"], // Ctrl-N
  [keyForByte(0x79, true), "none"], // Alt-Y
  [keyForByte(0x03, true), "none"], // Alt-Ctrl-C
  [keyForByte(0x79, false), "y"],
  [keyForByte(0x6e, false), "n"],
  [namedKey("escape"), "escape"],
  [keyForByte(0x0d, false), "enter"],
])("%j reads as %j", (key, name) => {
  expect(overlayKeyName(key)).toBe(name);
});

import { describe, expect, test } from "vitest";
import { fields, isPlainSgr, numbers, sgrOnlyResets, wholeCsiFinal } from "./csi.js";

const bytes = (text: string) => Buffer.from(text, "latin1");

describe("wholeCsiFinal", () => {
  test.each([
    ["SGR", "\x1b[38;5;75mtext", 2, 9],
    ["no parameters", "\x1b[m", 2, 2],
    ["private mode", "\x1b[?1049h", 2, 7],
    ["intermediates", "\x1b[0 q", 2, 4],
    ["final ~", "\x1b[200~", 2, 5],
    ["cut by the chunk's end", "\x1b[38;5", 2, -1],
    ["parameters only to the end", "\x1b[", 2, -1],
    ["a C0 control inside", "\x1b[1\x0dm", 2, -1],
    ["ESC inside", "\x1b[1\x1b[m", 2, -1],
    ["a byte above 0x7e as final", "\x1b[1\xff", 2, -1],
    ["DEL as final", "\x1b[1\x7f", 2, -1],
  ])("%s", (_, text, start, final) => {
    expect(wholeCsiFinal(bytes(text), start, 256)).toBe(final);
  });

  test("at most maxLength parameter bytes", () => {
    expect(wholeCsiFinal(bytes(`\x1b[${"1".repeat(4)}m`), 2, 4)).toBe(6);
    expect(wholeCsiFinal(bytes(`\x1b[${"1".repeat(5)}m`), 2, 4)).toBe(-1);
  });
});

describe("SGR parameters", () => {
  test.each([
    ["", true, true],
    ["0", true, true],
    ["0;0", true, true],
    [";", true, true],
    ["1", true, false],
    ["38;5;75", true, false],
    ["1 2", true, false],
    ["?1", false, false],
    [">4;2", false, false],
    ["4 ", false, false],
  ])("%j: plain %s, resets only %s", (params, plain, resets) => {
    const chunk = bytes(`x${params}m`);
    expect(isPlainSgr(chunk, 1, 1 + params.length)).toBe(plain);
    expect(sgrOnlyResets(chunk, 1, 1 + params.length)).toBe(resets);
  });
});

describe("fields and numbers", () => {
  test.each([
    ["", [undefined], []],
    ["1049", [1049], [1049]],
    ["1000;1006", [1000, 1006], [1000, 1006]],
    ["4:3;;2", [4, undefined, 2], [4, 2]],
    ["x;7", [undefined, 7], [7]],
  ])("%j", (params, byPosition, present) => {
    expect(fields(params)).toEqual(byPosition);
    expect(numbers(params)).toEqual(present);
  });
});

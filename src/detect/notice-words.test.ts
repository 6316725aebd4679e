import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { MAY_BE_NOTICE, WORD_HIT_FROM, WORD_NEXT, WORD_SYMBOL } from "./notice-words.js";

/** The automaton over the UTF-8 bytes of `text`, as the screen scanner steps it. */
function automatonFinds(text: string): boolean {
  let state = 0;
  for (const byte of Buffer.from(text)) {
    state = WORD_NEXT[state + WORD_SYMBOL[byte]!]!;
    if (state >= WORD_HIT_FROM) return true;
  }
  return false;
}

describe("the notice words: the automaton finds what the expression finds", () => {
  test.each([
    ["You've hit your 5-hour limit", true],
    ["USAGE", true],
    ["Credit balance is too low", true],
    ["API Error: 529 Overloaded", true],
    ["API Error: 429", true],
    ["Approaching", true],
    // Overlapping prefixes: "lim" of "limiting" is a word only once it is whole.
    ["limiting requests", true],
    ["lim it", false],
    ["lllimit", true],
    ["rreset", true],
    ["contin", false],
    ["continue", true],
    ["4429", true],
    ["52 9", false],
    ["Reading src/session/interactive.ts — 636 lines (ctrl+o to expand)", false],
    // Only ASCII letters fold: the Kelvin sign and the long s are not k and s.
    ["ſpend", false],
    ["uſage", false],
    ["", false],
  ])("%j: %s", (text, found) => {
    expect(MAY_BE_NOTICE.test(text)).toBe(found);
    expect(automatonFinds(text)).toBe(found);
  });

  test("any text (property): the same answer", () => {
    const letters = fc.constantFrom(..."limtusagerspndcaovloh429c5LIMTUSAGE ·-_ſé😀\u212a".split(""));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: letters, maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 })),
        (text) => {
          expect(automatonFinds(text)).toBe(MAY_BE_NOTICE.test(text));
        },
      ),
      { seed: 1812, numRuns: 5000 },
    );
  });
});

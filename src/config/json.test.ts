import { describe, expect, it } from "vitest";
import { lineAndColumn, parseJson } from "./json.js";

describe("parseJson", () => {
  it.each([
    ["{}", {}],
    [
      ' { "a" : [1, -2.5e3, true, false, null, "x\\n\\u00e9"] } ',
      { a: [1, -2500, true, false, null, "x\né"] },
    ],
    ["[]", []],
    ['"s"', "s"],
  ])("parses valid JSON %j", (text, value) => {
    expect(parseJson(text)).toEqual({ ok: true, value });
  });

  /** [text, line, column, problem] — the column points at the offending character. */
  const BROKEN: [string, number, number, string][] = [
    ["", 1, 1, "the file is empty (expected a JSON object)"],
    ["   \n  ", 2, 3, "the file is empty (expected a JSON object)"],
    ['{\n  "a": 1,\n}', 3, 1, "trailing comma before }"],
    ['{"a": [1, 2,]}', 1, 13, "trailing comma before ]"],
    [
      '{\n  "a": 1\n  "b": 2\n}',
      3,
      3,
      `expected ',' or '}' after a property value (unexpected character "\\"")`,
    ],
    ['{"a" 1}', 1, 6, `expected ':' after the property name (unexpected character "1")`],
    ["{'a': 1}", 1, 2, "expected a property name in double quotes (strings must use double quotes)"],
    ["{\"a\": 'b'}", 1, 7, "strings must use double quotes"],
    [
      '{\n  // comment\n  "a": 1\n}',
      2,
      3,
      "expected a property name in double quotes (comments are not allowed in JSON)",
    ],
    ['{"a": 1} // trailing', 1, 10, "unexpected content after the end of the JSON value"],
    ['{"a": 1}}', 1, 9, "unexpected content after the end of the JSON value"],
    [
      '{"a": True}',
      1,
      7,
      "unexpected word (a value is true, false, null, a number, or a string in double quotes)",
    ],
    [
      '{"auto_switch": tru}',
      1,
      17,
      "unexpected word (a value is true, false, null, a number, or a string in double quotes)",
    ],
    [
      '{"a": yes}',
      1,
      7,
      "unexpected word (a value is true, false, null, a number, or a string in double quotes)",
    ],
    ['{"a": "x', 1, 7, "unterminated string"],
    ['{"a": "x\ny"}', 1, 9, "line break inside a string (unterminated string?)"],
    ['{"a": "\t"}', 1, 8, "control character in a string"],
    ['{"a": "\\q"}', 1, 8, "invalid escape sequence in a string"],
    ['{"a": "\\u12"}', 1, 8, "invalid escape sequence in a string"],
    ['{"a": "\\u00e9 \\" \\\\ \\/ \\b\\f\\n\\r\\t",}', 1, 36, "trailing comma before }"],
    ['{"a": -}', 1, 7, "invalid number"],
    ['{"a": 1.}', 1, 8, `expected ',' or '}' after a property value (unexpected character ".")`],
    ['{"a": .5}', 1, 7, `unexpected character "."`],
    ['{"a": 1', 1, 8, "unexpected end of file (unclosed {)"],
    ['{"a": ', 1, 7, "unexpected end of file (expected a value)"],
    ['{"a": [1', 1, 9, "unexpected end of file (unclosed [)"],
    ['{"a": [1 2]}', 1, 10, `expected ',' or ']' after an array element (unexpected character "2")`],
    ['{"é": 1,,}', 1, 9, `expected a property name in double quotes (unexpected character ",")`],
  ];

  it.each(BROKEN)("%j → line %i, column %i: %s", (text, line, column, problem) => {
    expect(parseJson(text)).toEqual({ ok: false, line, column, problem });
  });

  it("never quotes the text around the error, which may be the key", () => {
    const secret = `sk-ant-api03-test${"s".repeat(60)}`;
    for (const text of [`{"api_key": ${secret}}`, `{"api_key": "${secret}",}`, `{"api_key": "${secret}`]) {
      const result = parseJson(text);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain("sk-ant");
      expect(JSON.stringify(result)).not.toContain("sss");
    }
  });

  it("absurd nesting is still a parse failure, position unknown", () => {
    expect(parseJson("[".repeat(200_000))).toEqual({
      ok: false,
      line: 1,
      column: 1,
      problem: "not valid JSON",
    });
  });

  it("finds a position for every single-character corruption of a valid file", () => {
    const valid = JSON.stringify({ a: [1, "x\\y", { b: null }], c: true, d: -1.5e3 }, null, 2);
    for (let index = 0; index <= valid.length; index++) {
      for (const inserted of [",", "}", "]", '"', ":", "x", "/", " ", "\n", "0", ""]) {
        const text = valid.slice(0, index) + inserted + valid.slice(inserted === "" ? index + 1 : index);
        const result = parseJson(text);
        let jsonParseOk = true;
        try {
          JSON.parse(text);
        } catch {
          jsonParseOk = false;
        }
        expect(result.ok, text).toBe(jsonParseOk);
        if (!result.ok) expect(result.problem, text).not.toBe("not valid JSON");
      }
    }
  });
});

describe("lineAndColumn", () => {
  it.each([
    ["abc", 0, 1, 1],
    ["abc", 2, 1, 3],
    ["a\nbc", 2, 2, 1],
    ["a\nbc", 3, 2, 2],
    ["a\n\n\nb", 4, 4, 1],
    ["🙂x", 2, 1, 2],
  ])("%j at %i is line %i column %i", (text, index, line, column) => {
    expect(lineAndColumn(text, index)).toEqual({ line, column });
  });
});

import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { topLevelFields } from "./request-fields.js";

vi.setConfig({ testTimeout: 30_000 });

const NAMES = ["model", "metadata"];

/** What JSON.parse says the fields are: the reference the walk must agree with. */
function byJsonParse(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const fields: Record<string, unknown> = {};
  for (const name of NAMES)
    if (Object.hasOwn(parsed, name)) fields[name] = (parsed as Record<string, unknown>)[name];
  return fields;
}

const fields = (text: string) => topLevelFields(Buffer.from(text), NAMES);

describe("topLevelFields", () => {
  test.each([
    [
      "a Claude Code request",
      '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":"u"}}',
      { model: "claude-sonnet-4-5", metadata: { user_id: "u" } },
    ],
    [
      "whitespace everywhere",
      ' \n{ "model" :\t"m" , "x" : [ 1 , { "model" : "inner" } ] }\r\n',
      { model: "m" },
    ],
    [
      "a key given twice: the last wins, as in JSON.parse",
      '{"model":"first","model":"second"}',
      { model: "second" },
    ],
    [
      "nested look-alikes are not top-level",
      '{"messages":[{"model":"no","metadata":1}],"tools":{"model":"no"}}',
      {},
    ],
    [
      "strings with escaped quotes and backslashes",
      '{"a":"\\"}{[\\\\","model":"m\\u00e9","b":"\\\\"}',
      { model: "mé" },
    ],
    ["an escaped key", '{"mod\\u0065l":"m"}', { model: "m" }],
    ["multi-byte text", '{"messages":"日本語 \\" 🎉 }","model":"m"}', { model: "m" }],
    ["numbers and literals", '{"n":-1.5e+10,"t":true,"f":false,"z":null,"model":null}', { model: null }],
    ["an empty object", "{}", {}],
    ["not an object: an array", '[{"model":"m"}]', null],
    ["not an object: a string", '"model"', null],
    ["not JSON: empty", "", null],
    ["not JSON: cut short", '{"model":"m","messages":[', null],
    ["not JSON: trailing bytes", '{"model":"m"} x', null],
    ["not JSON: a byte-order mark", '\ufeff{"model":"m"}', null],
    ["not JSON: a bad wanted value", '{"model":tru}', null],
  ])("%s", (_name, text, expected) => {
    expect(fields(text)).toEqual(expected);
    if (expected !== null) expect(fields(text)).toEqual(byJsonParse(text));
  });

  test("a defect inside a value not asked for is skipped, not judged (the API judges the body)", () => {
    expect(fields('{"model":"m","messages":[1,,2]}')).toEqual({ model: "m" });
  });

  // Objects whose top level mixes the wanted names with arbitrary JSON, in any layout.
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const topLevel = fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), fc.string()), anyJson), { maxLength: 8 })
    .map((entries) => entries);
  const layout = fc.constantFrom(undefined, 0, 1, 2, "\t");

  test("agrees with JSON.parse on every valid object, whatever its layout and duplicate keys", () => {
    fc.assert(
      fc.property(topLevel, layout, (entries, indent) => {
        // Built by hand so that keys can repeat (an object literal would merge them).
        const members = entries.map(
          ([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value, null, indent)}`,
        );
        const text = `{${members.join(indent === undefined ? "," : ",\n ")}}`;
        expect(fields(text)).toEqual(byJsonParse(text));
      }),
      { seed: 20261124, numRuns: 2000 },
    );
  });

  test("any bytes: never throws; a body JSON.parse reads as an object gives the same fields", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
        ),
        (text) => {
          const walked = fields(text);
          const reference = byJsonParse(text);
          if (reference !== null) expect(walked).toEqual(reference);
          if (walked !== null) expect(text.trimStart().startsWith("{")).toBe(true);
        },
      ),
      { seed: 20261125, numRuns: 3000 },
    );
  });
});

/**
 * JSON parsing that explains where a hand-edited file is broken. `JSON.parse`'s own messages quote
 * the text around the error, which may be the API key, so they are never shown: on failure this
 * scanner finds the position and a description that names characters, never values.
 */

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; problem: string };

class JsonSyntaxError extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function parseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // Fall through to the scanner, which only runs on broken input.
  }
  const error = findJsonError(text);
  if (!error) return { ok: false, line: 1, column: 1, problem: "not valid JSON" };
  const { line, column } = lineAndColumn(text, error.index);
  return { ok: false, line, column, problem: error.problem };
}

/** 1-based line and column (in characters) of `index`. */
export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Array.from(text.slice(lineStart, index)).length + 1 };
}

function findJsonError(text: string): JsonSyntaxError | null {
  try {
    new Scanner(text).document();
    return null;
  } catch (error) {
    // Anything else (a stack overflow on absurd nesting) leaves the position unknown.
    return error instanceof JsonSyntaxError ? error : null;
  }
}

/**
 * Characters a terminal would not show as themselves: controls (C0 is already escaped by
 * JSON.stringify; DEL and C1 are not), format characters (bidi overrides, zero-width), line and
 * paragraph separators, and spaces other than U+0020 (a pasted NBSP looks like a space).
 */
const INVISIBLE = /(?! )[\p{Cc}\p{Cf}\p{Z}]/gu;

/**
 * `JSON.stringify(text)` with every invisible character escaped as `\uXXXX` too, so that a value
 * quoted in a one-line message stays one visible line whatever it holds.
 */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text).replace(INVISIBLE, (char) =>
    Array.from(
      { length: char.length },
      (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`,
    ).join(""),
  );
}

/** Describes an unexpected character without quoting anything longer than that character. */
function describeUnexpected(char: string | undefined): string {
  if (char === undefined) return "unexpected end of file";
  if (char === "'") return "strings must use double quotes";
  if (char === "/") return "comments are not allowed in JSON";
  if (/[A-Za-z_]/.test(char)) return "unexpected word (strings must be in double quotes)";
  if (/[\u0000-\u001f]/.test(char))
    return `unexpected control character U+${char.charCodeAt(0).toString(16)}`;
  return `unexpected character ${quoteForMessage(char)}`;
}

class Scanner {
  private index = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.skipWhitespace();
    if (this.index >= this.text.length) this.fail("the file is empty (expected a JSON object)");
    this.value();
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail("unexpected content after the end of the JSON value");
  }

  private fail(problem: string, index = this.index): never {
    throw new JsonSyntaxError(index, problem);
  }

  private peek(): string | undefined {
    return this.text[this.index];
  }

  private skipWhitespace(): void {
    while (this.index < this.text.length && " \t\n\r".includes(this.text[this.index]!)) this.index++;
  }

  private value(): void {
    const char = this.peek();
    if (char === "{") this.object();
    else if (char === "[") this.array();
    else if (char === '"') this.string();
    else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) this.number();
    else this.literal(char);
  }

  private literal(char: string | undefined): void {
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.index)) {
        this.index += literal.length;
        return;
      }
    }
    if (char !== undefined && /[A-Za-z_]/.test(char)) {
      this.fail("unexpected word (a value is true, false, null, a number, or a string in double quotes)");
    }
    this.fail(char === undefined ? "unexpected end of file (expected a value)" : describeUnexpected(char));
  }

  private object(): void {
    if (this.emptyContainer("}")) return;
    for (;;) {
      this.skipWhitespace();
      const char = this.peek();
      if (char !== '"') {
        if (char === "}") this.fail("trailing comma before }");
        if (char === undefined) this.fail("unexpected end of file (unclosed {)");
        this.fail(`expected a property name in double quotes (${describeUnexpected(char)})`);
      }
      this.string();
      this.skipWhitespace();
      if (this.peek() !== ":")
        this.fail(`expected ':' after the property name (${describeUnexpected(this.peek())})`);
      this.index++;
      this.skipWhitespace();
      this.value();
      if (!this.anotherMember("}", "a property value")) return;
    }
  }

  private array(): void {
    if (this.emptyContainer("]")) return;
    for (;;) {
      this.skipWhitespace();
      if (this.peek() === "]") this.fail("trailing comma before ]");
      this.value();
      if (!this.anotherMember("]", "an array element")) return;
    }
  }

  /** Steps past the opening bracket; true (and past `close` too) when the object or array is empty. */
  private emptyContainer(close: "}" | "]"): boolean {
    this.index++;
    this.skipWhitespace();
    if (this.peek() !== close) return false;
    this.index++;
    return true;
  }

  /** After a property value or an array element: true past a `,`, false past the closing bracket. */
  private anotherMember(close: "}" | "]", member: string): boolean {
    this.skipWhitespace();
    const next = this.peek();
    if (next === "," || next === close) {
      this.index++;
      return next === ",";
    }
    if (next === undefined) this.fail(`unexpected end of file (unclosed ${close === "}" ? "{" : "["})`);
    this.fail(`expected ',' or '${close}' after ${member} (${describeUnexpected(next)})`);
  }

  private string(): void {
    const start = this.index;
    this.index++; // opening quote
    for (;;) {
      const char = this.peek();
      if (char === undefined) this.fail("unterminated string", start);
      if (char === '"') {
        this.index++;
        return;
      }
      if (char === "\\") {
        const escaped = this.text[this.index + 1];
        if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) {
          this.index += 2;
        } else if (
          escaped === "u" &&
          /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))
        ) {
          this.index += 6;
        } else {
          this.fail("invalid escape sequence in a string");
        }
        continue;
      }
      if (char < " ") {
        this.fail(
          char === "\n"
            ? "line break inside a string (unterminated string?)"
            : "control character in a string",
        );
      }
      this.index++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.index));
    if (!match) this.fail("invalid number");
    this.index += match[0].length;
  }
}

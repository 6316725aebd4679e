/**
 * A few top-level fields of a JSON request body, read without parsing the rest.
 *
 * Claude Code sends the whole conversation with every request: bodies of hundreds of kilobytes,
 * of which the gateway needs only `model` (to price and cap the request) and `metadata` (the
 * Claude session). `JSON.parse` of such a body took ~2 ms here, and it sat between Claude's
 * request and its forwarding. This walks the top level of the object instead — jumping over
 * strings with native byte searches and over nested values by counting brackets — and parses
 * only the values asked for, so the rest of the body is looked at, not built into objects.
 *
 * For any valid JSON the result is what `JSON.parse` gives (a key given twice: the last one
 * wins, as in `JSON.parse`). Nested values are skipped, not checked: a body whose only defect is
 * inside a value that was not asked for still yields its fields, where `JSON.parse` would fail
 * (the API then refuses that body itself). Anything else the walk does not expect falls back to
 * `JSON.parse` of the whole body.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(body: Buffer, from: number): number {
  let i = from;
  while (isWhitespace(body[i])) i++;
  return i;
}

/** `from` is at an opening quote; returns the index just past the closing one, or -1. */
function skipString(body: Buffer, from: number): number {
  let quote = from;
  for (;;) {
    quote = body.indexOf(QUOTE, quote + 1);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
}

/** `from` is at the start of a value; returns the index just past it, or -1. */
function skipValue(body: Buffer, from: number): number {
  const first = body[from];
  if (first === QUOTE) return skipString(body, from);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = from;
    while (i < body.length) {
      const byte = body[i];
      if (byte === QUOTE) {
        i = skipString(body, i);
        if (i === -1) return -1;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let i = from;
  while (i < body.length) {
    const byte = body[i];
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isWhitespace(byte)) break;
    i++;
  }
  return i > from ? i : -1;
}

const NOT_OBJECT = null;
const IRREGULAR = undefined;

/** The walk: the fields, null when the body is plainly not an object, undefined when unsure. */
function walk(body: Buffer, names: ReadonlySet<string>): Record<string, unknown> | null | undefined {
  let i = skipWhitespace(body, 0);
  if (body[i] !== OPEN_BRACE) return body.length === 0 ? NOT_OBJECT : IRREGULAR;
  const fields: Record<string, unknown> = {};
  i = skipWhitespace(body, i + 1);
  if (body[i] === CLOSE_BRACE) return skipWhitespace(body, i + 1) === body.length ? fields : IRREGULAR;
  for (;;) {
    if (body[i] !== QUOTE) return IRREGULAR;
    const keyEnd = skipString(body, i);
    if (keyEnd === -1) return IRREGULAR;
    const key = JSON.parse(body.toString("utf8", i, keyEnd)) as string;
    i = skipWhitespace(body, keyEnd);
    if (body[i] !== COLON) return IRREGULAR;
    const valueStart = skipWhitespace(body, i + 1);
    const valueEnd = skipValue(body, valueStart);
    if (valueEnd === -1) return IRREGULAR;
    if (names.has(key)) fields[key] = JSON.parse(body.toString("utf8", valueStart, valueEnd));
    i = skipWhitespace(body, valueEnd);
    if (body[i] === COMMA) {
      i = skipWhitespace(body, i + 1);
      continue;
    }
    if (body[i] === CLOSE_BRACE) return skipWhitespace(body, i + 1) === body.length ? fields : IRREGULAR;
    return IRREGULAR;
  }
}

/**
 * The top-level `names` of the JSON object in `body` (absent names are absent), or null when the
 * body is not a JSON object.
 */
export function topLevelFields(body: Buffer, names: readonly string[]): Record<string, unknown> | null {
  const wanted = new Set(names);
  let walked: Record<string, unknown> | null | undefined;
  try {
    walked = walk(body, wanted);
  } catch {
    // A key or a wanted value that is not JSON after all: let JSON.parse judge the whole body.
    walked = IRREGULAR;
  }
  if (walked !== IRREGULAR) return walked;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const fields: Record<string, unknown> = {};
  for (const name of wanted)
    if (Object.hasOwn(parsed, name)) fields[name] = (parsed as Record<string, unknown>)[name];
  return fields;
}

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Continuation, gateMode, PrintOutputGate, startsEpilogue } from "./print-output-gate.js";

const line = (event: Record<string, unknown>) => `${JSON.stringify(event)}\n`;
const INIT = line({ type: "system", subtype: "init", session_id: "s" });
const HOOK = line({ type: "system", subtype: "hook_started", hook_name: "SessionStart:startup" });
const TOOL = line({
  type: "assistant",
  message: { model: "claude-sonnet-4-5", content: [{ type: "tool_use" }] },
});
const WARNING = line({ type: "rate_limit_event", rate_limit_info: { status: "allowed_warning" } });
const REJECTED = line({ type: "rate_limit_event", rate_limit_info: { status: "rejected" } });
const SYNTHETIC = line({ type: "assistant", message: { model: "<synthetic>", content: [{ type: "text" }] } });
const RESULT = line({ type: "result", is_error: true, result: "You've hit your limit" });

/** Feeds `text` in the given pieces and returns what went out after each piece. */
function feed(gate: PrintOutputGate, out: string[], pieces: string[]): string[] {
  return pieces.map((piece) => {
    gate.push(Buffer.from(piece));
    return out.join("");
  });
}

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  pieces.push(text.slice(from));
  return pieces.filter((piece) => piece !== "");
}

describe("gateMode", () => {
  test.each([
    ["text", false, "pass"],
    ["stream-json", false, "pass"],
    ["text", true, "hold"],
    ["json", true, "hold"],
    ["stream-json", true, "hold-epilogue"],
  ] as const)("%s, may switch: %s → %s", (format, maySwitch, mode) => {
    expect(gateMode(format, maySwitch)).toBe(mode);
  });
});

describe("startsEpilogue", () => {
  test.each([
    [REJECTED, true],
    [SYNTHETIC, true],
    [RESULT, true],
    [INIT, false],
    [HOOK, false],
    [TOOL, false],
    [WARNING, false],
    ["not json", false],
    ["[1,2]", false],
    ["null", false],
  ])("%s → %s", (text, expected) => {
    expect(startsEpilogue(text.trim())).toBe(expected);
  });
});

describe("PrintOutputGate", () => {
  test("pass: everything goes out at once; the last bytes are kept to read a limit from", () => {
    const out: string[] = [];
    const gate = new PrintOutputGate("pass", (chunk) => out.push(chunk.toString()));
    expect(feed(gate, out, [INIT, RESULT])).toEqual([INIT, INIT + RESULT]);
    expect(gate.forDetection().toString()).toBe(INIT + RESULT);
    gate.release();
    expect(out.join("")).toBe(INIT + RESULT);
  });

  test("pass: what is kept for detection stays bounded however long the run", () => {
    const gate = new PrintOutputGate("pass", () => {});
    const block = Buffer.alloc(10_000, "x");
    for (let i = 0; i < 100; i++) gate.push(block);
    gate.push(Buffer.from(RESULT));
    const kept = gate.forDetection();
    expect(kept.length).toBeLessThanOrEqual(64 * 1024);
    expect(kept.toString().endsWith(RESULT)).toBe(true);
  });

  test("hold: nothing goes out until released", () => {
    const out: string[] = [];
    const gate = new PrintOutputGate("hold", (chunk) => out.push(chunk.toString()));
    expect(feed(gate, out, ["partial answer ", "and the rest"])).toEqual(["", ""]);
    expect(gate.forDetection().toString()).toBe("partial answer and the rest");
    gate.release();
    expect(out.join("")).toBe("partial answer and the rest");
  });

  test("hold-epilogue: the run's events go out as they come; the limit's epilogue is held", () => {
    const out: string[] = [];
    const gate = new PrintOutputGate("hold-epilogue", (chunk) => out.push(chunk.toString()));
    const seen = feed(gate, out, [HOOK + INIT, TOOL, WARNING, REJECTED, SYNTHETIC, RESULT]);
    const live = HOOK + INIT + TOOL + WARNING;
    expect(seen).toEqual([HOOK + INIT, HOOK + INIT + TOOL, live, live, live, live]);
    expect(gate.forDetection().toString()).toBe(REJECTED + SYNTHETIC + RESULT);
  });

  test("hold-epilogue: however the bytes are cut, live lines go out whole and the epilogue is held whole", () => {
    const stream = HOOK + INIT + TOOL + WARNING + TOOL + REJECTED + SYNTHETIC + RESULT;
    const live = HOOK + INIT + TOOL + WARNING + TOOL;
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        const out: string[] = [];
        const gate = new PrintOutputGate("hold-epilogue", (chunk) => out.push(chunk.toString()));
        for (const piece of splitAt(stream, cuts)) gate.push(Buffer.from(piece));
        // Only whole lines ever go out.
        for (let i = 1; i <= out.length; i++) expect(out.slice(0, i).join("").endsWith("\n")).toBe(true);
        expect(out.join("")).toBe(live);
        expect(gate.forDetection().toString()).toBe(REJECTED + SYNTHETIC + RESULT);
        gate.release();
        expect(out.join("")).toBe(stream);
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });

  test("hold-epilogue: a last line without a newline is released at the end", () => {
    const out: string[] = [];
    const gate = new PrintOutputGate("hold-epilogue", (chunk) => out.push(chunk.toString()));
    gate.push(Buffer.from(`${INIT}{"type":"assis`));
    expect(out.join("")).toBe(INIT);
    gate.release();
    expect(out.join("")).toBe(`${INIT}{"type":"assis`);
  });
});

describe("Continuation", () => {
  test("stream-json: the resumed run's own init event is left out, everything else goes through", () => {
    const resumed = HOOK + INIT + TOOL + RESULT;
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 10 }), (cuts) => {
        const out: string[] = [];
        const continuation = new Continuation("stream-json", (chunk) => out.push(chunk.toString()));
        for (const piece of splitAt(resumed, cuts)) continuation.push(Buffer.from(piece));
        continuation.end();
        expect(out.join("")).toBe(HOOK + TOOL + RESULT);
      }),
      { seed: 20261125, numRuns: 300 },
    );
  });

  test("stream-json: a second init event (not Claude's doing today) is kept", () => {
    const out: string[] = [];
    const continuation = new Continuation("stream-json", (chunk) => out.push(chunk.toString()));
    continuation.push(Buffer.from(INIT + INIT));
    expect(out.join("")).toBe(INIT);
  });

  test("text and json pass through untouched, a last partial line included", () => {
    for (const format of ["text", "json"]) {
      const out: string[] = [];
      const continuation = new Continuation(format, (chunk) => out.push(chunk.toString()));
      continuation.push(Buffer.from(INIT));
      continuation.push(Buffer.from("no newline"));
      continuation.end();
      expect(out.join("")).toBe(`${INIT}no newline`);
    }
  });
});

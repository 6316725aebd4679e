import { describe, expect, test } from "vitest";
import { PtySession } from "../e2e/harness/pty.js";
import { completeJsonLines } from "../e2e/harness/sandbox.js";

// The e2e harness polls files other processes append to, and screens that change under it:
// a read that lands mid-write must not fail the test (CI once died on a half-written transcript).

describe("completeJsonLines: the records of a file still being appended to", () => {
  test.each([
    ["empty", "", []],
    ["one whole line", '{"a":1}\n', [{ a: 1 }]],
    ["a line cut mid-string is not yet a record", '{"a":1}\n{"b":"hal', [{ a: 1 }]],
    ["a whole line without its newline yet is left for the next read", '{"a":1}\n{"b":2}', [{ a: 1 }]],
    ["blank lines", '\n{"a":1}\n\n{"b":2}\n', [{ a: 1 }, { b: 2 }]],
  ])("%s", (_name, text, records) => {
    expect(completeJsonLines(text)).toEqual(records);
  });

  test("a damaged whole line still fails: the file must be intact", () => {
    expect(() => completeJsonLines('{"a":1}\n{"b":\n')).toThrow(SyntaxError);
  });
});

describe("PtySession.waitUntil", () => {
  test("a condition that throws fails the wait with its error", async () => {
    const session = new PtySession(process.execPath, ["-e", "setTimeout(() => {}, 2000)"], {
      cwd: process.cwd(),
      env: process.env,
    });
    try {
      let calls = 0;
      const waited = session.waitUntil(
        () => {
          calls += 1;
          if (calls > 1) throw new SyntaxError("Unterminated string in JSON");
          return false;
        },
        "a file to parse",
        10_000,
      );
      await expect(waited).rejects.toThrow("Unterminated string in JSON");
    } finally {
      session.kill();
      await session.exited;
    }
  });
});

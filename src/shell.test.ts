import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "./shell.js";

describe("shellQuote", () => {
  it.each([
    ["/plain/path.json", "/plain/path.json"],
    ["--resume", "--resume"],
    ["/with space", "'/with space'"],
    ["/it's", "'/it'\\''s'"],
    ["/$HOME", "'/$HOME'"],
    ["~/config.json", "'~/config.json'"],
    ["", "''"],
  ])("shellQuote(%j) = %s", (text, quoted) => {
    expect(shellQuote(text)).toBe(quoted);
  });

  it("sh reads every quoted word back as the exact text", () => {
    const words = ["a b", "it's", "$(touch /tmp/x)", "`id`", "~", "*", "line\nbreak", "ünï", ""];
    const echoed = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${words.map(shellQuote).join(" ")}`], {
      encoding: "utf8",
    });
    expect(echoed.split("\0").slice(0, -1)).toEqual(words);
  });
});

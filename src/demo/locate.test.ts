import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { UsageError } from "../errors.js";
import { locateDemoClaude } from "./locate.js";

const dir = mkdtempSync(join(tmpdir(), "cf-demo-locate-"));
const onPath = join(dir, "bin");
const own = join(dir, "own-claude");
const flagged = join(dir, "flagged-claude");
function executable(path: string) {
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, 0o755);
}
mkdirSync(onPath);
executable(join(onPath, "claude"));
executable(own);
executable(flagged);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the demo's claude", () => {
  test("--claude first, then a non-default claude_path, then PATH, then the package's own", () => {
    const env = { PATH: onPath };
    expect(locateDemoClaude({ flag: flagged, configured: own, env, ownBinary: own })).toBe(flagged);
    expect(locateDemoClaude({ configured: own, env, ownBinary: flagged })).toBe(own);
    expect(locateDemoClaude({ configured: "claude", env, ownBinary: own })).toBe(join(onPath, "claude"));
    expect(locateDemoClaude({ configured: "claude", env: { PATH: dir }, ownBinary: own })).toBe(own);
  });

  test("none: one clear line (exit 2)", () => {
    const none = () =>
      locateDemoClaude({ configured: "claude", env: { PATH: dir }, ownBinary: join(dir, "missing") });
    expect(none).toThrow(UsageError);
    expect(none).toThrow(/the demo needs the real Claude Code.*--claude PATH/);
  });

  test("a --claude that is not there is an error, not a fallback", () => {
    expect(() =>
      locateDemoClaude({ flag: join(dir, "nope"), env: { PATH: onPath }, ownBinary: own }),
    ).toThrow(/--claude/);
  });
});

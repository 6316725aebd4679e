import { expect, test } from "vitest";
import { cannotAccessText, resolvePaths } from "./paths.js";

test.each([
  [{ HOME: "/h" }, "/h/.cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "/xdg-cache" }, "/xdg-cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "" }, "/h/.cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "relative" }, "/h/.cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "/xdg-cache", CLAUDE_FALLBACK_HOME: "/cf" }, "/cf/cache"],
])("the cache directory for %j is %s", (env, expected) => {
  expect(resolvePaths(env).cacheDir).toBe(expected);
});

// The XDG base directory specification: a relative path in these variables is invalid and is
// ignored. Taken as given, it would be relative to the working directory, and the config would be
// read from wherever claude-fallback was started (SPEC §10: never from the current directory).
test("relative XDG directories are ignored: nothing is read or kept relative to the working directory", () => {
  const paths = resolvePaths({
    HOME: "/h",
    XDG_CONFIG_HOME: "cfg",
    XDG_STATE_HOME: "./state",
    XDG_DATA_HOME: "data/",
    XDG_RUNTIME_DIR: "run",
    XDG_CACHE_HOME: "cache",
  });
  expect(paths).toEqual({
    defaultConfigFile: "/h/.config/claude-fallback/config.json",
    stateDir: "/h/.local/state/claude-fallback",
    dataDir: "/h/.local/share/claude-fallback",
    runtimeDir: "/h/.local/state/claude-fallback/run",
    cacheDir: "/h/.cache/claude-fallback",
  });
});

test("a full or read-only disk gets a fix that can work, not a chmod", () => {
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const erofs = Object.assign(new Error("EROFS: read-only file system, open"), { code: "EROFS" });
  expect(cannotAccessText("write", "/s/state.json", "/s", enospc, "XDG_STATE_HOME")).toBe(
    "cannot write /s/state.json (ENOSPC: no space left on device, write); fix: free some space on its disk, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place",
  );
  expect(cannotAccessText("write", "/s/state.json", "/s", erofs, "XDG_STATE_HOME")).toBe(
    "cannot write /s/state.json (EROFS: read-only file system, open); fix: set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place",
  );
});

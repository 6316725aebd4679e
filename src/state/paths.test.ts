import { expect, test } from "vitest";
import { resolvePaths } from "./paths.js";

test.each([
  [{ HOME: "/h" }, "/h/.cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "/xdg-cache" }, "/xdg-cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "" }, "/h/.cache/claude-fallback"],
  [{ HOME: "/h", XDG_CACHE_HOME: "/xdg-cache", CLAUDE_FALLBACK_HOME: "/cf" }, "/cf/cache"],
])("the cache directory for %j is %s", (env, expected) => {
  expect(resolvePaths(env).cacheDir).toBe(expected);
});

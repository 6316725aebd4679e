import { join } from "node:path";
import { expect, test } from "vitest";
import { ourCommandFor } from "./run.js";

test.each([
  [{}, "/usr/local/bin/claude", "claude-fallback"],
  [{ claude: "/opt/claude" }, "/opt/claude", "claude-fallback --claude /opt/claude"],
  [{ claude: "./claude" }, "/home/u/p/claude", "claude-fallback --claude /home/u/p/claude"],
  [
    { config: "cf.json", claude: "/opt/my claude/claude" },
    "/opt/my claude/claude",
    `claude-fallback --config ${join(process.cwd(), "cf.json")} --claude '/opt/my claude/claude'`,
  ],
])("the commands a run offers, for %j: %s → %s", (opts, claude, command) => {
  expect(ourCommandFor(opts, claude)).toBe(command);
});

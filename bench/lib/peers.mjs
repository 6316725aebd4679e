/**
 * Other tools the benchmarks compare against: their pinned versions, installed at bench time into a
 * temp dir with npm (never dependencies of this package).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const CCUSAGE_VERSION = "18.0.11";
export const CCR_PACKAGE = "@musistudio/claude-code-router";
export const CCR_VERSION = "2.0.0";

/** `npm install --prefix dir name@version`; returns the package's directory, throws npm's error. */
export function installPackage(dir, name, version) {
  const install = spawnSync(
    "npm",
    ["install", "--prefix", dir, `${name}@${version}`, "--no-audit", "--no-fund", "--loglevel=error"],
    { encoding: "utf8" },
  );
  if (install.status !== 0) {
    // npm's message without its stack trace and log hints: the lines before the first "at …".
    const lines = (install.stderr || install.stdout || install.error?.message || "no output")
      .split("\n")
      .map((line) => line.replace(/^npm (error|ERR!)/, "").trim());
    const stack = lines.findIndex((line) => line.startsWith("at "));
    const reason = lines
      .slice(0, stack === -1 ? 6 : stack)
      .filter(Boolean)
      .join("; ");
    throw new Error(`\`npm install ${name}@${version}\` failed (exit ${install.status}): ${reason}`);
  }
  return join(dir, "node_modules", name);
}

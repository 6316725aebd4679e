// The stream-json relay (SPEC §12): what it adds to each line between a program and claude.
// A program writes one JSON line (a user message of about 300 bytes), an echoing stand-in for
// claude sends it back, and the program times the round trip — directly, and through
// `claude-fallback <claude> --input-format stream-json …` (each line crosses the relay twice).
// Rounds alternate direct / relayed so both see the same machine. Target: p50 added ≤ 1 ms per line.
// Usage: node bench/relay/run.mjs [--quick]
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, summarize } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const LINES = quick ? 200 : 1000;
const ROUNDS = quick ? 2 : 5;
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "cf-bench-relay-"));
const echo = join(home, "claude");
writeFileSync(
  echo,
  `#!/bin/sh\nexec "${process.execPath}" "${fileURLToPath(new URL("./echo-claude.mjs", import.meta.url))}" "$@"\n`,
);
chmodSync(echo, 0o755);
const env = { ...process.env, CLAUDE_FALLBACK_HOME: join(home, "cf"), HOME: home };
const ARGS = ["--output-format", "stream-json", "--verbose", "--input-format", "stream-json"];
const text = "x".repeat(220);

/** One program session: LINES round trips, one at a time; resolves with each one's milliseconds. */
function session(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: home, stdio: ["pipe", "pipe", "inherit"] });
    const times = [];
    let sent = 0;
    let started = 0;
    let buffer = "";
    const next = () => {
      if (sent === LINES) {
        child.stdin.end();
        return;
      }
      sent++;
      started = performance.now();
      child.stdin.write(
        `${JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "text", text }] }, parent_tool_use_id: null, n: sent })}\n`,
      );
    };
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      buffer += chunk;
      for (let newline = buffer.indexOf("\n"); newline !== -1; newline = buffer.indexOf("\n")) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.includes('"type":"user"')) continue;
        times.push(performance.now() - started);
        next();
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(times.slice(Math.min(20, times.length / 10))));
    // The relay starts claude after its hooks are set up; the first line waits for that, not timed.
    setTimeout(next, 300);
  });
}

const direct = [];
const relayed = [];
for (let round = 0; round < ROUNDS; round++) {
  direct.push(...(await session(echo, ARGS)));
  relayed.push(...(await session(process.execPath, [cli, echo, ...ARGS])));
}
rmSync(home, { recursive: true, force: true });
const d = summarize(direct);
const r = summarize(relayed);
const added = r.p50 - d.p50;
console.log("## Stream-json relay (`bench/relay`)\n");
console.log(
  `A program writes one JSON line (~300 bytes), a stand-in claude echoes it, the program times the round trip: directly, and through \`claude-fallback <claude> --input-format stream-json\` (the line crosses the relay both ways). ${ROUNDS} alternating rounds of ${LINES} lines each.\n`,
);
console.log("| | round trip p50 | p99 | max |");
console.log("| --- | --- | --- | --- |");
console.log(`| direct | ${fmt(d.p50)} ms | ${fmt(d.p99)} ms | ${fmt(d.max)} ms |`);
console.log(`| through the relay | ${fmt(r.p50)} ms | ${fmt(r.p99)} ms | ${fmt(r.max)} ms |`);
console.log(
  `\nAdded per line (p50, both directions): **${fmt(added)} ms** — target ≤ 1 ms: ${added <= 1 ? "yes" : "NO"}.`,
);

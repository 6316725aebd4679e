// A stand-in for `claude --input-format stream-json`: every line it reads goes straight back out
// (a line with `"end":true` ends it). Enough to time what the relay adds to each line.
import { createInterface } from "node:readline";

if (process.argv.includes("--version")) {
  console.log("2.1.332 (Claude Code)");
  process.exit(0);
}
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  process.stdout.write(`${line}\n`);
});
lines.on("close", () => process.exit(0));

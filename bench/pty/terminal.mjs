// What bench/pty/run.mjs and bench/pty/compare.mjs share: the stand-in `claude` (bench/pty/child.mjs
// behind a shell script that answers --version), the outer pty a path runs in (the user's
// terminal), and timing one flood of the stand-in's output through it.
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";

export const childScript = fileURLToPath(new URL("./child.mjs", import.meta.url));
export const relayScript = fileURLToPath(new URL("./relay.mjs", import.meta.url));
const MARKER = Buffer.from("BENCH-END");

/** Writes `<dir>/claude`, which runs child.mjs in the mode and size of $BENCH_MODE and $BENCH_BYTES. */
export async function writeStandInClaude(dir) {
  const shim = join(dir, "claude");
  await writeFile(
    shim,
    `#!/bin/sh\nfor a; do [ "$a" = --version ] && { echo "2.1.330 (Claude Code)"; exit 0; }; done\nexec "${process.execPath}" "${childScript}" "$BENCH_MODE" "$BENCH_BYTES"\n`,
  );
  await chmod(shim, 0o755);
  return shim;
}

/** `file args…` in a 120×40 pty that hands its output over as raw bytes. */
export function spawnInTerminal(file, args, { cwd, env }) {
  return pty.spawn(file, args, { name: "xterm-256color", cols: 120, rows: 40, cwd, env, encoding: null });
}

/**
 * Seconds from the go (a byte typed once the stand-in says READY) until its end marker comes
 * through `term`, the stand-in running in `flood` mode.
 */
export function timeFlood(term) {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let started;
    term.onData((chunk) => {
      // While the flood runs, only the end of a chunk can hold (the rest of) the marker.
      const joined = Buffer.concat([tail, started === undefined ? chunk : chunk.subarray(-32)]);
      if (started === undefined && joined.includes("READY")) {
        started = process.hrtime.bigint();
        term.write("g");
        tail = Buffer.alloc(0);
        return;
      }
      if (started !== undefined && joined.includes(MARKER))
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      tail = joined.subarray(Math.max(0, joined.length - 16));
    });
  });
}

// bench/pty/scan: what claude-fallback does to every chunk of Claude's output besides passing it on
// — reading the screen for limit notices (src/detect/screen.ts, through the Detector as the wrapper
// calls it) and tracking the terminal modes (src/terminal/modes.ts) — in one process, without the
// noise of three processes sharing two cores that bench/pty/compare measures through. The floors:
// a JavaScript loop that reads every byte once (one table lookup each), and finding every ESC with
// Buffer.indexOf (native). The text is bench/pty's flood, in 4 KiB chunks with the CR LF a pty
// delivers; each row is timed in a process of its own (V8's compiled code of one does not shape
// another's). The working tree's src/ is bundled with esbuild; run it at two commits to compare.
// Usage: node bench/pty/scan.mjs [ROUNDS=15]
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROWS = [
  "reading the screen (Detector.scanScreen)",
  "tracking the terminal modes (TerminalModes.feed)",
  "floor: a JavaScript loop reading every byte once",
  "floor: every ESC found with Buffer.indexOf",
];

if (process.argv[2] === "--row") {
  console.log(await timeRow(Number(process.argv[3]), process.argv[4], Number(process.argv[5])));
} else {
  const rounds = Number(process.argv[2] ?? 15);
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "cf-bench-scan-"));
  try {
    const entry = join(dir, "entry.ts");
    await writeFile(
      entry,
      `export { Detector } from ${JSON.stringify(join(src, "session/detection.ts"))};\n` +
        `export { TerminalModes } from ${JSON.stringify(join(src, "terminal/modes.ts"))};\n`,
    );
    const bundle = join(dir, "scan.mjs");
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: bundle,
      logLevel: "warning",
    });
    console.log(`bench/pty/scan: 4 KiB chunks of bench/pty's flood, best of ${rounds} rounds over 4 MB\n`);
    console.log("| per chunk of Claude's output | ms per MB | µs per 4 KiB |\n| --- | --- | --- |");
    ROWS.forEach((what, row) => {
      const args = [fileURLToPath(import.meta.url), "--row", String(row), bundle, String(rounds)];
      const msPerMb = Number(execFileSync(process.execPath, args, { encoding: "utf8" }));
      console.log(`| ${what} | ${msPerMb.toFixed(2)} | ${((msPerMb * 4096) / 1000).toFixed(1)} |`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Row `row` timed over the flood: the best of `rounds`, in ms per MB. */
async function timeRow(row, bundle, rounds) {
  const { FLOOD_LINE } = await import("./flood-text.mjs");
  const { Detector, TerminalModes } = await import(bundle);
  const text = Buffer.from(FLOOD_LINE.replaceAll("\n", "\r\n").repeat(40_000));
  const chunks = [];
  for (let at = 0; at + 4096 <= text.length; at += 4096)
    chunks.push(Buffer.from(text.subarray(at, at + 4096)));
  const megabytes = (chunks.length * 4096) / 1e6;
  const detector = new Detector({ zone: "UTC", now: () => 0 });
  const modes = new TerminalModes();
  const control = new Uint8Array(256).map((_, byte) => (byte < 0x20 || byte === 0x7f ? 1 : 0));
  let sink = 0;
  const each = [
    (chunk) => detector.scanScreen(chunk),
    (chunk) => modes.feed(chunk),
    (chunk) => {
      for (let at = 0; at < chunk.length; at++) sink += control[chunk[at]];
    },
    (chunk) => {
      for (let at = chunk.indexOf(0x1b); at !== -1; at = chunk.indexOf(0x1b, at + 1)) sink++;
    },
  ][row];
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (const chunk of chunks) each(chunk);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6 / megabytes);
  }
  return sink >= 0 ? best : Number.NaN;
}

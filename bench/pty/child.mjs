// The program under the pty in bench/pty. `flood BYTES`: prints READY, waits for one byte, writes
// BYTES of terminal-like text (SGR colours, UTF-8, newlines) and an end marker, then exits.
// `echo`: prints READY and writes every byte it reads straight back (as Claude does in raw mode),
// until it reads "q".
import { writeSync } from "node:fs";

const [mode, size] = process.argv.slice(2);
process.stdin.setRawMode?.(true);

if (mode === "flood") {
  const line =
    "\x1b[38;5;75m●\x1b[39m Reading src/session/interactive.ts — 636 lines \x1b[2m(ctrl+o to expand)\x1b[22m\n";
  const block = Buffer.from(line.repeat(Math.ceil((1 << 20) / Buffer.byteLength(line))));
  const total = Number(size);
  process.stdout.write("READY\n");
  process.stdin.once("data", () => {
    let left = total;
    while (left > 0) {
      const n = Math.min(left, block.length);
      let offset = 0;
      while (offset < n) {
        try {
          offset += writeSync(1, block, offset, n - offset);
        } catch (error) {
          if (error.code !== "EAGAIN") throw error;
        }
      }
      left -= n;
    }
    writeSync(1, "\nBENCH-END\n");
    process.exit(0);
  });
} else {
  process.stdout.write("READY\n");
  process.stdin.on("data", (chunk) => {
    if (chunk.includes(0x71)) process.exit(0);
    writeSync(1, chunk);
  });
}

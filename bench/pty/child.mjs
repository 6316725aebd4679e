// The program under the pty in bench/pty. `flood BYTES`: prints READY, waits for one byte, writes
// BYTES of terminal-like text (SGR colours, UTF-8, newlines) and an end marker, then exits.
// `echo`: prints READY and writes every byte it reads straight back (as Claude does in raw mode),
// until it reads "q".
import { writeSync } from "node:fs";
import { FLOOD_LINE } from "./flood-text.mjs";

const [mode, size] = process.argv.slice(2);
process.stdin.setRawMode?.(true);

if (mode === "flood") {
  const block = Buffer.from(FLOOD_LINE.repeat(Math.ceil((1 << 20) / Buffer.byteLength(FLOOD_LINE))));
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

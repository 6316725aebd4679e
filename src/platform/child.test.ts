import { expect, test } from "vitest";
import { spawnChild } from "./child.js";

test("`exited` settles only once the output is read to its end, not at the exit", async () => {
  // What the child's own background process writes after the child exited is still its output,
  // as what a child wrote just before exiting and we had not read yet is.
  const child = spawnChild("/bin/sh", ["-c", "(sleep 0.3; printf ' and the end') & printf 'the start'"], {
    env: process.env,
    stdin: "ignore",
    output: "pipe",
    forward: [],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  expect(await child.exited).toBe(0);
  expect(Buffer.concat(chunks).toString()).toBe("the start and the end");
});

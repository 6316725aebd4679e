import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";

/**
 * undici, loaded where it is first used (most runs never send a webhook or check a key online, and
 * a start is faster without it). Through `require`, not `import()`: our bundles run through
 * `node:vm` (platform/code-cache.ts), where a dynamic import of a package has no loader to go to.
 *
 * undici parses HTTP with llhttp compiled to WebAssembly, and after the first response V8 compiled
 * llhttp's parser again with its optimizing compiler on a background thread: ~190 ms of CPU while
 * Claude starts, and Node waits for background compiles before a process may exit, so a run on
 * API billing ended ~150 ms after Claude. With the baseline compiler alone llhttp still parses
 * over 100 MB/s here, far more than a reply brings. The flag concerns WebAssembly only; undici's
 * llhttp is the only WebAssembly this program runs.
 */
export function loadUndici(): typeof import("undici") {
  setFlagsFromString("--liftoff-only");
  return createRequire(import.meta.url)("undici") as typeof import("undici");
}

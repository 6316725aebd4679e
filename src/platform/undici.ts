import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { changingV8Flags } from "./v8-flags.js";

/**
 * undici, loaded where it is first used (most runs never send a webhook or check a key online, and
 * a start is faster without it). Through `require`, not `import()`: our bundles run through
 * `node:vm` (platform/code-cache.ts), where a dynamic import of a package has no loader to go to.
 */
export function loadUndici(): typeof import("undici") {
  return undiciRequire()("undici") as typeof import("undici");
}

/**
 * undici's connection pool alone, all the metering gateway uses (it dispatches; it needs none of
 * the request, fetch, mock, cache and WebSocket APIs undici's entry point loads with it): ~40 ms of
 * CPU against ~115 ms for the whole package, spent while Claude starts on 2 cores. undici exports
 * no such path; where a version does not have it, the pool comes from the entry point.
 */
export function loadUndiciPool(): typeof import("undici").Pool {
  const load = undiciRequire();
  try {
    return load(POOL_MODULE) as typeof import("undici").Pool;
  } catch {
    return (load("undici") as typeof import("undici")).Pool;
  }
}

/** The module undici's entry point takes its `Pool` from (undici 6 and 7). */
export const POOL_MODULE = "undici/lib/dispatcher/pool.js";

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. With V8's default tiering budget, the
 * first response already had V8 compile llhttp's parser again with its optimizing compiler on a
 * background thread: ~190 ms of CPU while Claude starts, and Node waits for background compiles
 * before a process may exit, so a run on API billing ended ~150 ms after Claude. A budget some
 * 500 times larger leaves the parser on the baseline compiler for a run's usual requests and still
 * optimizes it once megabytes stream through (bench/gateway). The flag concerns WebAssembly only;
 * undici's llhttp is the only WebAssembly this program runs.
 */
function undiciRequire(): NodeJS.Require {
  changingV8Flags();
  setFlagsFromString("--wasm-tiering-budget=1000000000");
  return createRequire(import.meta.url);
}

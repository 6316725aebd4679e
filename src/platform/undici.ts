import { createRequire } from "node:module";

/**
 * undici, loaded where it is first used (most runs never send a webhook or check a key online, and
 * a start is faster without it). Through `require`, not `import()`: our bundles run through
 * `node:vm` (platform/code-cache.ts), where a dynamic import of a package has no loader to go to.
 */
export function loadUndici(): typeof import("undici") {
  return createRequire(import.meta.url)("undici") as typeof import("undici");
}

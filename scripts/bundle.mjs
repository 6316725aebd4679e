// The shipped form of the command (npm run build, after tsc): the bin and everything it reaches
// bundled by esbuild into dist/bin/, so a start reads a few files instead of a hundred modules.
// The code each command loads lazily (`import()`) stays in chunks of its own, loaded only when
// that command runs. The forecast worker is an entry of its own (background.ts starts
// `./worker.js` next to itself). Native modules stay in node_modules. Every output file sits in
// dist/bin/, two levels below package.json, as the tsc output does (version.ts finds
// package.json, demo.ts the bin, relative to themselves).
import { rmSync } from "node:fs";
import { build } from "esbuild";

// tsc wrote dist/bin/claude-fallback.js; chunks of an earlier build must not linger beside the new ones.
rmSync("dist/bin", { recursive: true, force: true });

await build({
  entryPoints: { "claude-fallback": "src/bin/claude-fallback.ts", worker: "src/forecast/worker.ts" },
  outdir: "dist/bin",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Native modules cannot be bundled; undici, bundled, lost the webhook's POST (its dynamic import
  // in notify/webhook.ts): it stays an installed dependency, loaded where it is used.
  external: ["better-sqlite3", "@lydell/node-pty", "undici"],
  // Bundled CommonJS dependencies (commander, luxon…) call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __cfRequire } from "node:module"; const require = __cfRequire(import.meta.url);',
  },
  logLevel: "warning",
  minify: true,
  // Class and function names stay as written: messages and checks may use them.
  keepNames: true,
});

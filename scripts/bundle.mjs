// The shipped form of the command (npm run build, after tsc), in dist/bin/:
//   claude-fallback.js  the bin: Node's own modules only; picks what the start needs
//   program.js          the full program, every command (each loaded when it runs)
//   statusline.js       the light program for `statusline`
//   status.js           the light program for a plain `status` (`--json` or nothing after it)
//   worker.js           the forecast worker (background.ts starts it next to itself)
// Each is one CommonJS file, not ES modules in chunks: a start then reads and compiles one file,
// with V8's code of it from the last start (platform/code-cache.ts), instead of resolving, reading
// and linking dozens of modules. The bin is given each bundle's identity (a hash of its text) so
// that cached code of another build is never used. Native modules (SQLite's, node-pty) and undici
// stay installed dependencies in node_modules. Every file sits two levels below package.json, as the tsc output
// does (version.ts finds package.json, demo.ts the bin, relative to themselves).
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

// tsc wrote dist/bin/claude-fallback.js; files of an earlier build must not linger beside the new ones.
rmSync("dist/bin", { recursive: true, force: true });

const common = {
  outdir: "dist/bin",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Native modules cannot be bundled: node-pty stays an installed dependency, and of better-sqlite3
  // only the JavaScript is bundled (cached with ours), its native module named by its path
  // (usage/ledger.ts), never looked for through `bindings`. undici, bundled, lost the webhook's
  // POST: it stays an installed dependency, loaded where it is used (platform/undici.ts).
  external: ["bindings", "@lydell/node-pty", "undici"],
  // The sources are ES modules; in a CommonJS file their import.meta.url is the file's own URL.
  define: { "import.meta.url": "__importMetaUrl" },
  banner: { js: 'var __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  minify: true,
  // Class and function names stay as written: messages and checks may use them.
  keepNames: true,
};

await build({
  ...common,
  entryPoints: {
    program: "src/bin/program.ts",
    statusline: "src/bin/statusline.ts",
    status: "src/bin/status.ts",
    worker: "src/forecast/worker.ts",
  },
});

const identity = (name) =>
  createHash("sha256")
    .update(readFileSync(`dist/bin/${name}.js`))
    .digest("hex")
    .slice(0, 32);
await build({
  ...common,
  entryPoints: { "claude-fallback": "src/bin/claude-fallback.ts" },
  define: {
    ...common.define,
    BUNDLE_IDENTITIES: JSON.stringify({
      program: identity("program"),
      statusline: identity("statusline"),
      status: identity("status"),
    }),
  },
});

// A bundle is read at every start: with one character beyond ASCII in it, V8 holds the whole text
// as a two-byte string, read ~3 times slower (esbuild escapes every other string, but not the text
// of a String.raw template: write such characters there as \u escapes).
for (const name of ["claude-fallback", "program", "statusline", "status", "worker"]) {
  const bytes = readFileSync(`dist/bin/${name}.js`);
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at !== -1) {
    const context = bytes.subarray(Math.max(0, at - 60), at + 20).toString("utf8");
    throw new Error(`dist/bin/${name}.js is not ASCII at byte ${at}: ${JSON.stringify(context)}`);
  }
}

// package.json says "type": "module"; these files are CommonJS.
writeFileSync("dist/bin/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);

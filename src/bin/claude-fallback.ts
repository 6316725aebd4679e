#!/usr/bin/env node
/**
 * The command. It loads only Node's own modules and decides, from the words alone, what this start
 * needs: `--version` is answered here, `statusline` and a plain `status` run their light programs
 * (statusline.js, status.js), the rest the full one (program.js). Each is one CommonJS bundle
 * (scripts/bundle.mjs) run with V8's compiled code of it from the last start
 * (platform/code-cache.ts).
 */
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startKind } from "../cli/command-word.js";
import { VERSION } from "../cli/version.js";
import { quietBrokenPipes } from "../platform/broken-pipe.js";
import { runBundle } from "../platform/code-cache.js";
import { resolvePaths } from "../state/paths.js";

/** Each bundle's identity (a hash of its text), set by scripts/bundle.mjs. */
declare const BUNDLE_IDENTITIES: Readonly<Record<"program" | "statusline" | "status", string>>;

const kind = startKind(process.argv.slice(2));
if (kind === "version") {
  process.stdout.write(`${VERSION}\n`);
} else {
  // A reader that goes away (`… | head -1`) ends no command with a stack trace, and no run early.
  quietBrokenPipes();
  // NODE_DISABLE_COMPILE_CACHE turns Node's own compile cache off; it turns ours off too.
  const cacheDir = process.env.NODE_DISABLE_COMPILE_CACHE ? null : resolvePaths().cacheDir;
  if (cacheDir !== null) {
    // Node 22.1+ keeps V8's compiled code of the modules loaded from node_modules (SQLite's,
    // node-pty's and undici's JavaScript) between starts, in our cache directory rather than its
    // default, a directory of the system's temporary one; Node 20 has no such cache.
    (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(
      join(cacheDir, "node"),
    );
  }
  runBundle(fileURLToPath(new URL(`./${kind}.js`, import.meta.url)), {
    dir: cacheDir,
    identity: BUNDLE_IDENTITIES[kind],
  });
}

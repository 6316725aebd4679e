import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * End-to-end tests run the built command line in its shipped form, so build it first as `npm run
 * build` does (a few seconds): tsc, then the bundle in dist/bin (scripts/bundle.mjs).
 */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [join(root, "scripts", "bundle.mjs")], { cwd: root, stdio: "inherit" });
}

#!/usr/bin/env node
import module from "node:module";

// Node 22.1+ keeps V8's compiled code of these modules between starts (in the OS temp directory),
// so a start does not parse them again; Node 20 has no such cache. Before any other import, which
// is why the modules below are imported dynamically.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { fastMain } = await import("../cli/fast-path.js");
const argv = process.argv.slice(2);
// `statusline` and `--version` start without loading every command (see cli/fast-path.ts).
process.exitCode = (await fastMain(argv)) ?? (await (await import("../cli/program.js")).main(argv));

#!/usr/bin/env node
import { fastMain } from "../cli/fast-path.js";

const argv = process.argv.slice(2);
// `statusline` and `--version` start without loading every command (see cli/fast-path.ts).
process.exitCode = (await fastMain(argv)) ?? (await (await import("../cli/program.js")).main(argv));

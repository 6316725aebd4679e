/**
 * The light program (`statusline`), as the bin runs it (bundled into dist/bin/statusline.js): with
 * nothing after the command, as Claude Code runs it, without commander; else through commander.
 */
import { wordsAfterCommand } from "../cli/command-word.js";
import { plainStatuslineMain } from "../cli/statusline.js";

const argv = process.argv.slice(2);
const ran =
  wordsAfterCommand(argv).length === 0
    ? plainStatuslineMain(argv)
    : import("../cli/fast-path.js").then(({ fastMain }) => fastMain(argv));
void ran.then((code) => {
  process.exitCode = code;
});

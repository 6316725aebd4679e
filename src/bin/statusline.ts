/** The light program (`statusline`), as the bin runs it (bundled into dist/bin/statusline.js). */
import { fastMain } from "../cli/fast-path.js";
import { registerStatusline } from "../cli/statusline.js";

void fastMain(process.argv.slice(2), registerStatusline).then((code) => {
  process.exitCode = code;
});

/** The light program (`statusline`), as the bin runs it (bundled into dist/bin/statusline.js). */
import { fastMain } from "../cli/fast-path.js";

void fastMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

/** The light program for `status` (bundled into dist/bin/status.js; see `startKind`). */
import { fastMain } from "../cli/fast-path.js";
import { registerStatus } from "../cli/status.js";

void fastMain(process.argv.slice(2), registerStatus).then((code) => {
  process.exitCode = code;
});

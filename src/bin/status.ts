/** The light program for a plain `status` (bundled into dist/bin/status.js; see `startKind`). */
import { plainStatusMain } from "../cli/status.js";

void plainStatusMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

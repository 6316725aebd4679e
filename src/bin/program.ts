/** The full program, as the bin runs it (bundled into dist/bin/program.js). */
import { main } from "../cli/program.js";

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

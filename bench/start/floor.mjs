// The least any wrapper written in Node adds to a start: node starts, spawns the command with
// stdin, stdout and stderr handed over, and exits with its status. bench/start measures it as the floor.
import { spawn } from "node:child_process";

const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "inherit" });
child.on("exit", (code) => {
  process.exitCode = code ?? 1;
});

// The least a pty wrapper written with node-pty can do: run the program in a pseudo-terminal and
// copy bytes both ways, nothing else. bench/pty measures it beside the real wrapper, so the cost
// of a second pseudo-terminal and process is told apart from the cost of what claude-fallback adds.
// Usage: node relay.mjs <program> [args…]
import pty from "@lydell/node-pty";

const [file, ...args] = process.argv.slice(2);
const child = pty.spawn(file, args, {
  name: process.env.TERM ?? "xterm-256color",
  cols: process.stdout.columns ?? 80,
  rows: process.stdout.rows ?? 24,
  env: process.env,
  encoding: null,
});
process.stdin.setRawMode?.(true);
process.stdin.on("data", (data) => child.write(data));
child.onData((data) => process.stdout.write(data));
child.onExit(({ exitCode }) => process.exit(exitCode));

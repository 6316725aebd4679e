// The wrapper's side of the injection in a process of its own, as in a real run where Claude Code
// and the wrapper are different processes: the hook server, and the spool watcher on a run
// directory (argv[2]). Prints `{"url":…,"secret":…}` on its first line; on SIGTERM, a line of
// counts (`{"hooks":…,"events":…,"statusLines":…}`) and exits.
import { startHookServer } from "../../dist/hooks/hook-server.js";
import { watchSpool } from "../../dist/hooks/spool.js";

const runDir = process.argv[2];
let hooks = 0;
const server = await startHookServer({
  onHook: () => {
    hooks++;
  },
});
const spool = await watchSpool({ runDir, onEvent: () => {}, onStatusLine: () => {} });
process.stdout.write(`${JSON.stringify({ url: server.url, secret: server.secret })}\n`);
process.on("SIGTERM", async () => {
  spool.close();
  await server.close();
  const { events, statusLines, garbage } = spool.stats;
  process.stdout.write(`${JSON.stringify({ hooks, events, statusLines, garbage })}\n`);
  process.exit(0);
});

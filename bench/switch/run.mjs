// bench/switch: how long the user waits at the subscription limit (SPEC §4.4–4.5). The real, pinned
// `claude` under the real claude-fallback in a pseudo-terminal, talking to the simulator; with
// auto_switch on, the time from the simulator's 429 limit response to the continued request arriving
// on the API path (x-api-key, through the metering gateway) — Claude stopped, resumed with the same
// conversation and the resume prompt. Prints a Markdown section.
// Usage: npm run build && node bench/switch/run.mjs [--quick]
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import { startSimulator } from "../../dist/simulator/index.js";
import { claude, claudeVersion, KEY, sandbox } from "../lib/claude-sandbox.mjs";
import { fmt, summarize, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 2 : 5;
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));

/** Resolves when `condition()` holds, checked after each output and every 20 ms; rejects after `ms`. */
function waitUntil(term, condition, what, ms = 60_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return;
      clearInterval(poll);
      clearTimeout(timer);
      listener.dispose();
      resolve();
    };
    const poll = setInterval(check, 20);
    const listener = term.onWriteParsed(check);
    const timer = setTimeout(() => {
      clearInterval(poll);
      listener.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    check();
  });
}

function screen(term) {
  const buffer = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
  return lines.join("\n");
}

async function once() {
  let limitAt;
  let apiAt;
  const simulator = await startSimulator({
    requireApiKey: KEY,
    limitAfterRequests: 1,
    onRequest: (entry) => {
      if (entry.method !== "POST" || entry.path !== "/v1/messages") return;
      const now = performance.now();
      if (entry.status === 429 && limitAt === undefined) limitAt = now;
      if (entry.billing === "api" && limitAt !== undefined && apiAt === undefined) apiAt = now;
    },
  });
  const box = await sandbox(simulator.url, "cf-bench-switch-", { api_key: KEY, auto_switch: true });
  const term = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true, scrollback: 5000 });
  const child = pty.spawn(process.execPath, [cli, "--claude", claude], {
    name: "xterm-256color",
    cols: 120,
    rows: 40,
    cwd: box.project,
    env: box.env,
  });
  child.onData((data) => term.write(data));
  const submit = async (text) => {
    child.write(text);
    await waitUntil(term, () => screen(term).includes(text), `"${text}" typed`);
    child.write("\r");
  };
  try {
    await waitUntil(term, () => screen(term).includes("❯"), "Claude's prompt");
    await submit("first question");
    await waitUntil(term, () => screen(term).includes("Simulated reply 1"), "the first reply");
    await submit("second question");
    await waitUntil(term, () => apiAt !== undefined, "the continued request on API billing");
    return apiAt - limitAt;
  } finally {
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {}
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {}
        resolve();
      }, 5000);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    term.dispose();
    await simulator.close();
    await rm(box.root, { recursive: true, force: true });
  }
}

const samples = [];
for (let i = 0; i < RUNS; i++) samples.push(await once());
const stats = summarize(samples);
console.log("## Switch at the limit\n");
console.log(
  `The pinned \`claude\` ${claudeVersion} under claude-fallback with \`auto_switch: true\`, against the simulator (limit after 1 request): from the 429 limit response to the continued request reaching the simulator with \`x-api-key\` (through the gateway). ${RUNS} runs.\n`,
);
console.log(
  table(
    ["measurement", "n", "p50 ms", "max ms", "runs ms", "target", "ok"],
    [
      [
        "limit → continued request on API",
        stats.n,
        fmt(stats.p50, 0),
        fmt(stats.max, 0),
        samples.map((s) => fmt(s, 0)).join(", "),
        "< 3000 ms",
        stats.p50 < 3000 ? "yes" : "NO",
      ],
    ],
  ),
);
console.log("");

// bench/switch: how long the user waits at the subscription limit (SPEC §4.4–4.5). The real, pinned
// `claude` under the real claude-fallback in a pseudo-terminal, talking to the simulator; with
// auto_switch on, the time from the simulator's 429 limit response to the continued request arriving
// on the API path (x-api-key, through the metering gateway) — Claude stopped, resumed with the same
// conversation and the resume prompt. Prints a Markdown section.
// Usage: npm run build && node bench/switch/run.mjs [--quick]
import { chmod, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import { startSimulator } from "../../dist/simulator/index.js";
import { fmt, summarize, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 2 : 5;
const require = createRequire(import.meta.url);
const claudePackage = require.resolve("@anthropic-ai/claude-code/package.json");
const claude = join(dirname(claudePackage), "bin", "claude.exe");
const claudeVersion = require(claudePackage).version;
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const OAUTH = "sk-ant-oat01-bench-subscription-token-000000000000000000000000000000";
const KEY = `sk-ant-api03-bench-${"k".repeat(74)}-AAAA`;

/** A throw-away HOME seeded past onboarding, as the e2e sandbox does. */
async function sandbox(baseUrl) {
  const root = await realpath(await mkdtemp(join(tmpdir(), "cf-bench-switch-")));
  const home = join(root, "home");
  const project = join(root, "project");
  const fallbackHome = join(root, "fallback-home");
  for (const dir of [project, join(home, ".claude"), join(root, "tmp")])
    await mkdir(dir, { recursive: true });
  await mkdir(join(root, "runtime"), { recursive: true, mode: 0o700 });
  await mkdir(fallbackHome, { recursive: true, mode: 0o700 });
  await writeFile(
    join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      lastOnboardingVersion: claudeVersion,
      theme: "dark",
      projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    }),
  );
  const config = join(fallbackHome, "config.json");
  await writeFile(config, JSON.stringify({ api_key: KEY, auto_switch: true }));
  await chmod(config, 0o600);
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: "bench",
    LANG: "C.UTF-8",
    TERM: "xterm-256color",
    TZ: "UTC",
    ANTHROPIC_BASE_URL: baseUrl,
    CLAUDE_CODE_OAUTH_TOKEN: OAUTH,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    CLAUDE_CODE_TMPDIR: join(root, "tmp"),
    XDG_RUNTIME_DIR: join(root, "runtime"),
    CLAUDE_CODE_MAX_RETRIES: "0",
    CLAUDE_FALLBACK_HOME: fallbackHome,
  };
  return { root, project, env };
}

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
  const box = await sandbox(simulator.url);
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

// bench/peers: our metering gateway vs claude-code-router (installed at bench time into a temp dir,
// configured as a pure Anthropic pass-through) vs talking to the simulator directly, same run, same
// simulator: time to first byte and streaming throughput. Prints a Markdown section.
// Usage: npm run build && node bench/peers/run.mjs [--quick]
import { spawn } from "node:child_process";
import { once as onceEvent } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { ANTHROPIC_VERSION, latency, target, throughput } from "../lib/client.mjs";
import { CCR_PACKAGE, CCR_VERSION, installPackage } from "../lib/peers.mjs";
import { rssMb } from "../lib/proc.mjs";
import { fmt, startUrlChild, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const gatewayScript = fileURLToPath(new URL("../lib/api-billing-process.mjs", import.meta.url));
const key = `sk-ant-api03-bench-${"x".repeat(70)}`;
const CCR_SECRET = `ccr-bench-${"y".repeat(24)}`;
const MODEL = "claude-sonnet-4-5";
const LATENCY_REQUESTS = quick ? 300 : 2000;
const THROUGHPUT_REQUESTS = quick ? 4 : 20;
const REPLY_BYTES = 8 * 1024 * 1024;
const CCR_START_TIMEOUT_MS = 30_000;

/** A port nothing listens on now (claude-code-router takes its port from the config, 0 is not "any"). */
async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await onceEvent(server, "listening");
  const { port } = server.address();
  server.close();
  await onceEvent(server, "close");
  return port;
}

/** The config that makes claude-code-router forward `/v1/messages` to `upstream` as it came. */
function ccrConfig(upstream, port) {
  return {
    LOG: false,
    HOST: "127.0.0.1",
    PORT: port,
    APIKEY: CCR_SECRET,
    Providers: [
      {
        name: "simulator",
        api_base_url: `${upstream}/v1/messages`,
        api_key: key,
        models: [MODEL],
        transformer: { use: ["Anthropic"] },
      },
    ],
    Router: { default: `simulator,${MODEL}` },
  };
}

/**
 * Starts `ccr start` (the service in the foreground of its own process, in its own process group)
 * with HOME and TMPDIR in `dir`; resolves when `GET /health` answers.
 */
async function startCcr(cliPath, dir, upstream) {
  const home = join(dir, "home");
  const tmp = join(dir, "tmp");
  mkdirSync(join(home, ".claude-code-router"), { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const port = await freePort();
  const config = ccrConfig(upstream, port);
  writeFileSync(join(home, ".claude-code-router", "config.json"), JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, [cliPath, "start"], {
    env: { ...process.env, HOME: home, USERPROFILE: home, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  groups.add(child.pid);
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  const stop = () => stopGroup(child);
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `\`ccr start\` exited (${child.signalCode ?? child.exitCode}): ${output.trim().slice(-1000)}`,
      );
    }
    try {
      const health = await request(`${url}/health`);
      await health.body.dump();
      if (health.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > CCR_START_TIMEOUT_MS) {
      await stop();
      throw new Error(
        `\`ccr start\` did not answer on ${url}/health within ${CCR_START_TIMEOUT_MS / 1000} s: ${output.trim().slice(-1000)}`,
      );
    }
    await sleep(100);
  }
  return { url, child, config, stop, output: () => output };
}

/** Process groups of claude-code-router still running: ended on Ctrl-C too (they are detached). */
const groups = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
    process.exit(130);
  });
}

/** SIGTERM to the whole process group (SIGKILL after 3 s); resolves when none of it is left. */
async function stopGroup(child) {
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-child.pid, "SIGTERM");
  const started = Date.now();
  while (alive()) {
    if (Date.now() - started > 3000) process.kill(-child.pid, "SIGKILL");
    await sleep(50);
  }
  groups.delete(child.pid);
}

/** What the simulator received for the last request: path, headers, parsed body. */
async function lastReceived(simUrl) {
  const response = await request(`${simUrl}/_simulator/requests`);
  return (await response.body.json()).at(-1);
}

/**
 * Sends one Claude-Code-shaped request through `t` and compares what reached the simulator with
 * what was sent: the body, the path, and which header names were added or dropped.
 */
async function fidelity(simUrl, t) {
  const body = {
    model: MODEL,
    max_tokens: 32000,
    stream: true,
    system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: [{ type: "text", text: "fidelity check" }] }],
    tools: [{ name: "Read", description: "Read a file", input_schema: { type: "object", properties: {} } }],
    metadata: { user_id: "user_bench_account__session_00000000-0000-4000-8000-000000000000" },
    thinking: { type: "enabled", budget_tokens: 1024 },
  };
  const headers = {
    "content-type": "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
    ...t.headers,
  };
  const response = await t.pool.request({
    path: "/v1/messages?beta=true",
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const answer = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}: ${answer.slice(0, 500)}`);
  const got = await lastReceived(simUrl);
  const names = (h) => new Set(Object.keys(h).map((n) => n.toLowerCase()));
  const received = names(got.headers);
  const sent = names(headers);
  return {
    bodySame: JSON.stringify(got.body) === JSON.stringify(body),
    path: got.url,
    added: [...received].filter((n) => !sent.has(n)).sort(),
    dropped: [...sent].filter((n) => !received.has(n)).sort(),
    // As the simulator shows them: masked to their last 4 characters.
    credentials: ["x-api-key", "authorization"]
      .filter((name) => got.headers[name] !== undefined)
      .map((name) => `${name}: ${got.headers[name]}`),
  };
}

const node = process.execPath;
const work = mkdtempSync(join(tmpdir(), "cf-bench-peers-"));
const started = [];
const startChild = async (...argv) => {
  const child = await startUrlChild(...argv);
  started.push(child.stop);
  return child;
};
try {
  const small = await startChild(node, [cli, "simulate", "--port", "0", "--quiet"]);
  const large = await startChild(node, [
    cli,
    "simulate",
    "--port",
    "0",
    "--quiet",
    "--reply-bytes",
    String(REPLY_BYTES),
  ]);
  const gwSmall = await startChild(node, [gatewayScript, small.url, key, join(work, "small.db")]);
  const gwLarge = await startChild(node, [gatewayScript, large.url, key, join(work, "large.db")]);
  const [smallUrl, smallSecret] = gwSmall.url.split(" ");
  const [largeUrl, largeSecret] = gwLarge.url.split(" ");
  const ours = (url, secret) => target(url, { authorization: `Bearer ${secret}` });

  let ccrFailure = null;
  let ccrSmall = null;
  let ccrLarge = null;
  try {
    process.stderr.write(`installing ${CCR_PACKAGE}@${CCR_VERSION} into ${work}…\n`);
    const ccrCli = join(installPackage(join(work, "ccr"), CCR_PACKAGE, CCR_VERSION), "dist", "cli.js");
    ccrSmall = await startCcr(ccrCli, join(work, "ccr-small"), small.url);
    started.push(ccrSmall.stop);
    ccrLarge = await startCcr(ccrCli, join(work, "ccr-large"), large.url);
    started.push(ccrLarge.stop);
  } catch (error) {
    ccrFailure = error instanceof Error ? error.message : String(error);
  }
  const ccr = (instance) => target(instance.url, { "x-api-key": CCR_SECRET });

  const checks = [["gateway", await fidelity(small.url, ours(smallUrl, smallSecret))]];
  if (ccrSmall) {
    try {
      checks.push(["claude-code-router", await fidelity(small.url, ccr(ccrSmall))]);
    } catch (error) {
      ccrFailure = `a request through it failed: ${error instanceof Error ? error.message : error}`;
    }
  }

  const targets = [
    ["direct", target(small.url, { "x-api-key": key })],
    ["gateway", ours(smallUrl, smallSecret)],
  ];
  if (!ccrFailure) targets.push(["ccr", ccr(ccrSmall)]);
  const lat = await latency(targets, { requests: LATENCY_REQUESTS });
  const streams = [
    ["direct", target(large.url, { "x-api-key": key })],
    ["gateway", ours(largeUrl, largeSecret)],
  ];
  if (!ccrFailure) streams.push(["ccr", ccr(ccrLarge)]);
  const tp = await throughput(streams, THROUGHPUT_REQUESTS);
  const rss = {
    gateway: Math.max(rssMb(gwSmall.child.pid), rssMb(gwLarge.child.pid)),
    ccr: ccrFailure ? Number.NaN : Math.max(rssMb(ccrSmall.child.pid), rssMb(ccrLarge.child.pid)),
  };

  const measured = (name) => name !== "ccr" || !ccrFailure;
  const ttfb = (name, q) =>
    !measured(name)
      ? "—"
      : name === "direct"
        ? fmt(lat.direct[q])
        : `${fmt(lat[name][q])} (+${fmt(lat[name][q] - lat.direct[q])})`;
  const speed = (name) =>
    !measured(name)
      ? "—"
      : name === "direct"
        ? fmt(tp.direct.mbPerSecond, 1)
        : `${fmt(tp[name].mbPerSecond, 1)} (${fmt(tp[name].mbPerSecond / tp.direct.mbPerSecond, 2)}×)`;
  const paths = ["direct", "gateway", "ccr"];
  const rows = [
    ["time to first byte p50, ms (added)", ...paths.map((n) => ttfb(n, "p50"))],
    ["time to first byte p99, ms (added)", ...paths.map((n) => ttfb(n, "p99"))],
    ["streaming throughput, MiB/s (ratio)", ...paths.map(speed)],
    ["proxy RSS after the run, MiB", "—", fmt(rss.gateway, 0), measured("ccr") ? fmt(rss.ccr, 0) : "—"],
  ];
  const fidelityLine = ([name, c]) =>
    `${name}: body ${c.bodySame ? "received exactly as sent" : "CHANGED on the way"}, path \`${c.path}\`, credentials upstream ${c.credentials.map((h) => `\`${h}\``).join(" and ")}; header names added: ${c.added.length > 0 ? c.added.map((n) => `\`${n}\``).join(", ") : "none"}; dropped: ${c.dropped.length > 0 ? c.dropped.map((n) => `\`${n}\``).join(", ") : "none"}.`;
  const shownConfig = ccrSmall
    ? {
        ...ccrSmall.config,
        PORT: "<free port>",
        Providers: [
          {
            ...ccrSmall.config.Providers[0],
            api_base_url: "http://127.0.0.1:<simulator port>/v1/messages",
            api_key: "sk-ant-api03-…",
          },
        ],
        APIKEY: "<secret>",
      }
    : null;
  const out = [
    "## Peers: gateway vs claude-code-router (`bench/peers`)",
    "",
    `Streaming \`POST /v1/messages\` straight to the simulator, through our metering gateway (started as a wrapped run in api mode starts it: \`LazyApiBilling\` → \`startApiBilling\`, ledger on, the session cap checked on every request), and through [claude-code-router](https://github.com/musistudio/claude-code-router) \`${CCR_PACKAGE}@${CCR_VERSION}\` (installed by this bench into a temp dir with \`npm install --prefix\`), same run, same simulators; each proxy, simulator and the client in its own process. ${LATENCY_REQUESTS} requests per path for latency (alternating blocks of 50 after 100 warm-up rounds), ${THROUGHPUT_REQUESTS} × ${REPLY_BYTES / 1024 / 1024} MiB streams per path for throughput (one per path in turn).`,
    "",
    ccrFailure
      ? `**claude-code-router could not be measured**: ${ccrFailure}`
      : "claude-code-router started with `node <pkg>/dist/cli.js start` (the service in the foreground of its own process; `HOME` and `TMPDIR` in a temp dir, so `~/.claude-code-router/config.json`, its pid file and its reference-count file are the bench's own) and stopped with SIGTERM to its process group at the end.",
    "",
    table(["measure", "direct", "our gateway", "claude-code-router"], rows),
    "",
    `What reached the simulator for one Claude-Code-shaped request (system with cache_control, tools, thinking, metadata, \`anthropic-beta\`, \`?beta=true\`), compared with what the client sent (the simulator masks credentials to their last 4 characters: the API key ends in \`xxxx\`, the key the client gives claude-code-router in \`yyyy\`):`,
    "",
    ...checks.map(([name, c]) => `- ${fidelityLine([name, c])}`),
    "",
    shownConfig
      ? `claude-code-router config (\`$HOME/.claude-code-router/config.json\`): with only the \`Anthropic\` transformer on the provider, it takes its bypass path and forwards the Anthropic request body and the response stream as they are, with the provider's \`api_key\` as the credentials upstream (above); \`LOG: false\` (with logging on it writes debug-level logs to files, which would slow it); \`APIKEY\` makes it require a key from the client as our gateway requires its secret:\n\n\`\`\`json\n${JSON.stringify(shownConfig, null, 2)}\n\`\`\``
      : "",
    "",
    `Neither proxy does much per request here: ours parses the SSE events to meter the usage and writes one ledger row per request; claude-code-router counts the request's tokens (tiktoken) to pick a route. Reading the throughput: direct is two busy processes, each proxied path three, on ${cpus().length} cores. For the other peer, ccusage (reading usage from Claude Code's transcripts), see the \`usage --subscription\` vs ccusage section (\`bench/report\`).`,
    "",
  ].join("\n");
  process.stdout.write(`${out}\n`);
} finally {
  for (const stop of started.reverse()) await stop();
  rmSync(work, { recursive: true, force: true });
}

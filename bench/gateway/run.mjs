// bench/gateway: what the metering gateway adds to time-to-first-byte and streaming throughput,
// measured against talking to the simulator directly, in the same run. Prints a Markdown section.
// Usage: npm run build && node bench/gateway/run.mjs [--quick]
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { fmt, startUrlChild, summarize, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const gatewayScript = fileURLToPath(new URL("./gateway-process.mjs", import.meta.url));
const key = `sk-ant-api03-bench-${"x".repeat(70)}`;
const LATENCY_REQUESTS = quick ? 300 : 2000;
const THROUGHPUT_REQUESTS = quick ? 4 : 20;
const REPLY_BYTES = 8 * 1024 * 1024;
const MEMORY_REQUESTS = quick ? 1000 : 10_000;

const body = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  stream: true,
  messages: [{ role: "user", content: "benchmark" }],
});

function target(url, headers) {
  const origin = new URL(url);
  return { pool: new Pool(origin.origin, { connections: 8, pipelining: 1 }), headers };
}

async function once(t) {
  const started = process.hrtime.bigint();
  const response = await t.pool.request({
    path: "/v1/messages",
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...t.headers },
    body,
  });
  let firstByte = null;
  let bytes = 0;
  for await (const chunk of response.body) {
    firstByte ??= process.hrtime.bigint();
    bytes += chunk.length;
  }
  const ended = process.hrtime.bigint();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  return { ttfbMs: Number(firstByte - started) / 1e6, totalMs: Number(ended - started) / 1e6, bytes };
}

async function latency(direct, gateway) {
  const samples = { direct: [], gateway: [] };
  for (let i = 0; i < 100; i++) {
    await once(direct);
    await once(gateway);
  }
  // Alternate in blocks so drift on a shared machine hits both sides alike.
  for (let block = 0; block < LATENCY_REQUESTS / 50; block++) {
    for (const [name, t] of [
      ["direct", direct],
      ["gateway", gateway],
    ]) {
      for (let i = 0; i < 50; i++) samples[name].push((await once(t)).ttfbMs);
    }
  }
  return { direct: summarize(samples.direct), gateway: summarize(samples.gateway) };
}

async function throughput(t) {
  await once(t);
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < THROUGHPUT_REQUESTS; i++) bytes += (await once(t)).bytes;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbPerSecond: bytes / 1024 / 1024 / seconds, bytes };
}

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function memory(gateway, pid) {
  const checkpoints = [];
  const concurrency = 8;
  let sent = 0;
  let done = 0;
  const step = MEMORY_REQUESTS / 5;
  checkpoints.push({ requests: 0, rssMb: rssOf(pid) });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < MEMORY_REQUESTS) {
        sent++;
        await once(gateway);
        done++;
        if (done % step === 0) checkpoints.push({ requests: done, rssMb: rssOf(pid) });
      }
    }),
  );
  return checkpoints;
}

const node = process.execPath;
const small = await startUrlChild(node, [cli, "simulate", "--port", "0", "--quiet"]);
const large = await startUrlChild(node, [
  cli,
  "simulate",
  "--port",
  "0",
  "--quiet",
  "--reply-bytes",
  String(REPLY_BYTES),
]);
const gwSmall = await startUrlChild(node, [gatewayScript, small.url, key]);
const gwLarge = await startUrlChild(node, [gatewayScript, large.url, key]);
try {
  const [smallUrl, smallSecret] = gwSmall.url.split(" ");
  const [largeUrl, largeSecret] = gwLarge.url.split(" ");
  const lat = await latency(
    target(small.url, { "x-api-key": key }),
    target(smallUrl, { authorization: `Bearer ${smallSecret}` }),
  );
  const direct = await throughput(target(large.url, { "x-api-key": key }));
  const viaGateway = await throughput(target(largeUrl, { authorization: `Bearer ${largeSecret}` }));
  const mem = await memory(target(smallUrl, { authorization: `Bearer ${smallSecret}` }), gwSmall.child.pid);

  const added50 = lat.gateway.p50 - lat.direct.p50;
  const added99 = lat.gateway.p99 - lat.direct.p99;
  const ratio = viaGateway.mbPerSecond / direct.mbPerSecond;
  const out = [
    "## Metering gateway (`bench/gateway`)",
    "",
    `Streaming \`POST /v1/messages\` through the gateway vs straight to the simulator, same run; simulator, gateway and client each in their own process. ${LATENCY_REQUESTS} requests per side for latency, ${THROUGHPUT_REQUESTS} × ${REPLY_BYTES / 1024 / 1024} MiB streams per side for throughput, ${MEMORY_REQUESTS} requests (8 concurrent) for memory.`,
    "",
    table(
      ["measure", "direct", "gateway", "added / ratio", "target"],
      [
        [
          "time to first byte p50 (ms)",
          fmt(lat.direct.p50),
          fmt(lat.gateway.p50),
          `+${fmt(added50)} ms`,
          "< 1 ms added",
        ],
        [
          "time to first byte p99 (ms)",
          fmt(lat.direct.p99),
          fmt(lat.gateway.p99),
          `+${fmt(added99)} ms`,
          "—",
        ],
        [
          "streaming throughput (MiB/s)",
          fmt(direct.mbPerSecond, 1),
          fmt(viaGateway.mbPerSecond, 1),
          `${fmt(ratio, 2)}×`,
          "≥ 0.9×",
        ],
      ],
    ),
    "",
    `Gateway RSS over ${MEMORY_REQUESTS} requests: ${mem.map((c) => `${c.requests}: ${fmt(c.rssMb, 1)} MiB`).join(", ")}.`,
    "",
    `Reading the throughput: the direct path is two busy processes (simulator, client), the gateway path three (simulator, gateway, client); on a machine with ${cpus().length} cores the third has no core of its own, so the ratio measures core contention as much as the gateway. A Claude response streams at a few kB/s; both paths are several thousand times faster than that.`,
    "",
  ].join("\n");
  process.stdout.write(`${out}\n`);
} finally {
  await Promise.all([gwSmall.stop(), gwLarge.stop(), small.stop(), large.stop()]);
}

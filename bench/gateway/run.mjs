// bench/gateway: what the metering gateway adds to time-to-first-byte and streaming throughput,
// measured against talking to the simulator directly, in the same run. Prints a Markdown section.
// Usage: npm run build && node bench/gateway/run.mjs [--quick]
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { latency, once, target, throughput } from "../lib/client.mjs";
import { rssMb } from "../lib/proc.mjs";
import { fmt, startUrlChild, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const gatewayScript = fileURLToPath(new URL("./gateway-process.mjs", import.meta.url));
const key = `sk-ant-api03-bench-${"x".repeat(70)}`;
const LATENCY_REQUESTS = quick ? 300 : 2000;
const THROUGHPUT_REQUESTS = quick ? 4 : 20;
const REPLY_BYTES = 8 * 1024 * 1024;
const MEMORY_REQUESTS = quick ? 1000 : 10_000;

async function memory(gateway, pid) {
  const checkpoints = [];
  const concurrency = 8;
  let sent = 0;
  let done = 0;
  const step = MEMORY_REQUESTS / 5;
  checkpoints.push({ requests: 0, rssMb: rssMb(pid) });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < MEMORY_REQUESTS) {
        sent++;
        await once(gateway);
        done++;
        if (done % step === 0) checkpoints.push({ requests: done, rssMb: rssMb(pid) });
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
    [
      ["direct", target(small.url, { "x-api-key": key })],
      ["gateway", target(smallUrl, { authorization: `Bearer ${smallSecret}` })],
    ],
    { requests: LATENCY_REQUESTS },
  );
  const direct = await throughput(target(large.url, { "x-api-key": key }), THROUGHPUT_REQUESTS);
  const viaGateway = await throughput(
    target(largeUrl, { authorization: `Bearer ${largeSecret}` }),
    THROUGHPUT_REQUESTS,
  );
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

// bench/gateway: what the metering gateway adds to time-to-first-byte and streaming throughput,
// measured against talking to the simulator directly, in the same run. Prints a Markdown section.
// Usage: npm run build && node bench/gateway/run.mjs [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { latency, once, target, throughput } from "../lib/client.mjs";
import { cpuSeconds, rssMb } from "../lib/proc.mjs";
import { fmt, startUrlChild, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const gatewayScript = fileURLToPath(new URL("../lib/api-billing-process.mjs", import.meta.url));
const bareProxyScript = fileURLToPath(new URL("./bare-proxy.mjs", import.meta.url));
const key = `sk-ant-api03-bench-${"x".repeat(70)}`;
const LATENCY_REQUESTS = quick ? 300 : 2000;
const MEMORY_REQUESTS = quick ? 1000 : 10_000;
/**
 * Two stream shapes. Claude's own: the API streams a reply as many small `text_delta` events (a few
 * tokens each). Bulk: 16 KiB deltas, the most bytes per event the gateway will ever see.
 */
const SHAPES = [
  {
    name: "Claude-shaped (100-byte text deltas)",
    deltaBytes: 100,
    replyBytes: 2 * 1024 * 1024,
    requests: quick ? 4 : 15,
  },
  {
    name: "bulk (16 KiB text deltas)",
    deltaBytes: 16 * 1024,
    replyBytes: 8 * 1024 * 1024,
    requests: quick ? 4 : 20,
  },
];

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
const work = mkdtempSync(join(tmpdir(), "cf-bench-gateway-"));
const children = [];
const start = async (args) => {
  const child = await startUrlChild(node, args);
  children.push(child);
  return child;
};
/** A simulator, and in front of it a gateway and a bare proxy, each in its own process. */
async function setup(name, simulatorArgs = []) {
  const simulator = await start([cli, "simulate", "--port", "0", "--quiet", ...simulatorArgs]);
  const gateway = await start([gatewayScript, simulator.url, key, join(work, `${name}.db`)]);
  const bare = await start([bareProxyScript, simulator.url]);
  const [url, secret] = gateway.url.split(" ");
  return {
    gateway,
    paths: [
      ["direct", target(simulator.url, { "x-api-key": key })],
      ["bare", target(bare.url, { "x-api-key": key })],
      ["gateway", target(url, { authorization: `Bearer ${secret}` })],
    ],
  };
}

try {
  const small = await setup("small");
  const lat = await latency(small.paths, { requests: LATENCY_REQUESTS });
  const streams = [];
  for (const shape of SHAPES) {
    const p = await setup(`stream-${shape.deltaBytes}`, [
      "--reply-bytes",
      String(shape.replyBytes),
      "--reply-delta-bytes",
      String(shape.deltaBytes),
    ]);
    const cpuBefore = cpuSeconds(p.gateway.child.pid);
    const tp = await throughput(p.paths, shape.requests);
    const gatewayCpu = cpuSeconds(p.gateway.child.pid) - cpuBefore;
    streams.push({
      shape,
      tp,
      gatewayCpuPerGiB: gatewayCpu / ((tp.gateway.bytes + tp.gateway.perResponse) / 1024 ** 3),
    });
  }
  const mem = await memory(small.paths.find(([name]) => name === "gateway")[1], small.gateway.child.pid);

  const added50 = lat.gateway.p50 - lat.direct.p50;
  const added99 = lat.gateway.p99 - lat.direct.p99;
  const throughputRows = streams.map(({ shape, tp }) => {
    const ratio = tp.gateway.mbPerSecond / tp.direct.mbPerSecond;
    return [
      `streaming throughput, ${shape.name} (MiB/s)`,
      fmt(tp.direct.mbPerSecond, 1),
      `${fmt(tp.bare.mbPerSecond, 1)} (${fmt(tp.bare.mbPerSecond / tp.direct.mbPerSecond, 2)}×)`,
      fmt(tp.gateway.mbPerSecond, 1),
      `${fmt(ratio, 2)}×`,
      "≥ 0.9×",
      ratio >= 0.9 ? "yes" : "NO",
    ];
  });
  const out = [
    "## Metering gateway (`bench/gateway`)",
    "",
    `Streaming \`POST /v1/messages\` straight to the simulator, through a bare Node proxy, and through the gateway (started as a wrapped run in api mode starts it, ledger on, the session cap checked on every request), same run; simulator, proxies and client each in their own process. ${LATENCY_REQUESTS} requests per path for latency; for throughput, ${SHAPES.map((s) => `${s.requests} × ${s.replyBytes / 1024 / 1024} MiB ${s.name.split(" ")[0]} streams`).join(" and ")} per path, one per path in turn; ${MEMORY_REQUESTS} requests (8 concurrent) for memory.`,
    "",
    table(
      ["measure", "direct", "bare Node proxy", "gateway", "gateway: added / ratio", "target", "ok"],
      [
        [
          "time to first byte p50 (ms)",
          fmt(lat.direct.p50),
          `${fmt(lat.bare.p50)} (+${fmt(lat.bare.p50 - lat.direct.p50)})`,
          fmt(lat.gateway.p50),
          `+${fmt(added50)} ms`,
          "< 1 ms added",
          added50 < 1 ? "yes" : "NO",
        ],
        [
          "time to first byte p99 (ms)",
          fmt(lat.direct.p99),
          `${fmt(lat.bare.p99)} (+${fmt(lat.bare.p99 - lat.direct.p99)})`,
          fmt(lat.gateway.p99),
          `+${fmt(added99)} ms`,
          "",
          "",
        ],
        ...throughputRows,
      ],
    ),
    "",
    `Gateway CPU time per GiB streamed: ${streams.map(({ shape, gatewayCpuPerGiB }) => `${shape.name.split(" ")[0]} ${fmt(gatewayCpuPerGiB, 2)} s`).join(", ")}. Gateway RSS over ${MEMORY_REQUESTS} requests: ${mem.map((c) => `${c.requests}: ${fmt(c.rssMb, 1)} MiB`).join(", ")}.`,
    "",
    `Reading it: the bare Node proxy (bench/gateway/bare-proxy.mjs: undici to the upstream, the response piped back; no secret, metering or ledger) is the least a proxy in Node does, so it shows what a third process and an HTTP hop cost on this machine (${cpus().length} cores shared by the simulator, the proxy and the client) apart from what the gateway adds. In a Claude-shaped stream each event reaches the proxy as an HTTP chunk of its own; the gateway writes what arrives in one tick as one chunk, reads only the first line of each event and decodes only the few that carry billing facts. A real Claude response streams at a few kB/s.`,
    "",
  ].join("\n");
  process.stdout.write(`${out}\n`);
} finally {
  await Promise.all(children.map((child) => child.stop()));
  rmSync(work, { recursive: true, force: true });
}

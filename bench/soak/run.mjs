// bench/soak: continuous traffic through the metering gateway of a wrapped run (api mode, ledger
// on) for minutes on end, sampling the gateway process's memory and open file descriptors, to show
// they stay flat. Prints a Markdown section.
// Usage: npm run build && node bench/soak/run.mjs [--minutes N] [--interval SECONDS] [--quick]
//   default 10 minutes (CF_BENCH_SOAK_MINUTES overrides the default; --quick = 1 minute).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Pool } from "undici";
import { ANTHROPIC_VERSION } from "../lib/client.mjs";
import { cpuSeconds, fdCount, rssMb } from "../lib/proc.mjs";
import { fmt, percentile, startUrlChild, table } from "../lib/stats.mjs";

const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const MINUTES = Number(
  argValue("--minutes") ?? (args.includes("--quick") ? 1 : (process.env.CF_BENCH_SOAK_MINUTES ?? 10)),
);
if (!(MINUTES > 0)) {
  console.error("bench/soak: --minutes must be a positive number");
  process.exit(2);
}
const DURATION_MS = MINUTES * 60_000;
// About 60 to 120 samples whatever the duration: every second for a minute, every 5 s for 10.
const INTERVAL_MS = Number(argValue("--interval") ?? Math.min(5, Math.max(1, MINUTES))) * 1000;
const CONCURRENCY = 8;
const REPLY_BYTES = 4096;
// Warm-up: the first 20 % of the run (V8 and SQLite grow their heaps and caches to working size).
const WARMUP_MS = 0.2 * DURATION_MS;
// Windows the verdict compares: the 10 % of the run right after warm-up, and its last 10 %.
const WINDOW_MS = 0.1 * DURATION_MS;
const RSS_TOLERANCE = 0.1;
const FD_SETTLE_MS = 60_000;

const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const gatewayScript = fileURLToPath(new URL("../lib/api-billing-process.mjs", import.meta.url));
const key = `sk-ant-api03-bench-${"x".repeat(70)}`;

const messages = [{ role: "user", content: "soak" }];
const json = (body) => JSON.stringify(body);
/** What each request kind sends and expects; aborted kinds give up partway on purpose. */
const KINDS = {
  stream: {
    label: "streaming, read to the end",
    path: "/v1/messages?beta=true",
    body: json({ model: "claude-sonnet-4-5", max_tokens: 1024, stream: true, messages }),
    status: 200,
  },
  json: {
    label: "non-streaming, read to the end",
    path: "/v1/messages?beta=true",
    body: json({ model: "claude-haiku-4-5", max_tokens: 1024, messages }),
    status: 200,
  },
  abortMidStream: {
    label: "streaming, aborted after the first chunk",
    path: "/v1/messages?beta=true",
    body: json({ model: "claude-sonnet-4-5", max_tokens: 1024, stream: true, messages }),
    abort: "first-chunk",
  },
  abortEarly: {
    label: "streaming, aborted 0–2 ms after sending",
    path: "/v1/messages?beta=true",
    body: json({ model: "claude-opus-4-1", max_tokens: 1024, stream: true, messages }),
    abort: "early",
  },
  countTokens: {
    label: "cap-free: `POST /v1/messages/count_tokens` (not metered)",
    path: "/v1/messages/count_tokens?beta=true",
    body: json({ model: "claude-sonnet-4-5", messages }),
    status: 200,
  },
  models: {
    label: "cap-free: `GET /v1/models` (not metered)",
    path: "/v1/models",
    method: "GET",
    status: 200,
  },
  refused: {
    label: "refused by the cap check: a model without a price (402, never sent upstream)",
    path: "/v1/messages?beta=true",
    body: json({ model: "claude-unpriced-soak", max_tokens: 64, messages }),
    status: 402,
  },
};
// One cycle of 20 requests, interleaved: 9 streaming, 5 JSON, 3 aborted, 2 cap-free, 1 refused.
const CYCLE = [
  "stream",
  "json",
  "stream",
  "countTokens",
  "stream",
  "abortMidStream",
  "json",
  "stream",
  "refused",
  "stream",
  "json",
  "abortEarly",
  "stream",
  "models",
  "json",
  "stream",
  "abortMidStream",
  "stream",
  "json",
  "stream",
];

async function send(pool, secret, kind, stats) {
  const spec = KINDS[kind];
  const controller = new AbortController();
  const started = process.hrtime.bigint();
  if (spec.abort === "early") setTimeout(() => controller.abort(), Math.floor(Math.random() * 3));
  try {
    const response = await pool.request({
      path: spec.path,
      method: spec.method ?? "POST",
      headers: {
        "content-type": "application/json",
        "anthropic-version": ANTHROPIC_VERSION,
        authorization: `Bearer ${secret}`,
      },
      body: spec.body ?? null,
      signal: controller.signal,
    });
    for await (const _chunk of response.body) {
      if (spec.abort === "first-chunk") {
        controller.abort();
        break;
      }
    }
    if (spec.abort) {
      stats.aborted++;
      return;
    }
    if (response.statusCode !== spec.status) throw new Error(`${kind}: status ${response.statusCode}`);
    stats.ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  } catch (error) {
    if (spec.abort) {
      stats.aborted++;
      return;
    }
    stats.errors++;
    if (stats.errorSamples.length < 5)
      stats.errorSamples.push(error instanceof Error ? error.message : error);
  } finally {
    stats.done[kind] = (stats.done[kind] ?? 0) + 1;
  }
}

/** Least-squares slope of y over x (x in minutes): units per minute. */
function slopePerMinute(points) {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

const pct = (values, p) =>
  percentile(
    [...values].sort((a, b) => a - b),
    p,
  );
const median = (values) => pct(values, 50);

const work = mkdtempSync(join(tmpdir(), "cf-bench-soak-"));
const ledgerFile = join(work, "usage.db");
const node = process.execPath;
const sim = await startUrlChild(node, [
  cli,
  "simulate",
  "--port",
  "0",
  "--quiet",
  "--reply-bytes",
  String(REPLY_BYTES),
]);
const gateway = await startUrlChild(node, [gatewayScript, sim.url, key, ledgerFile]);
const pid = gateway.child.pid;
const pools = [];
try {
  const [url, secret] = gateway.url.split(" ");
  const baseline = { rssMb: rssMb(pid), fds: fdCount(pid) };
  const stats = { done: {}, aborted: 0, errors: 0, errorSamples: [], ms: [] };
  const samples = [];
  const totalDone = () => Object.values(stats.done).reduce((s, n) => s + n, 0);
  const started = Date.now();
  let lastDone = 0;
  let lastCpu = cpuSeconds(pid);
  const sample = () => {
    const done = totalDone();
    const cpu = cpuSeconds(pid);
    samples.push({
      ms: Date.now() - started,
      rssMb: rssMb(pid),
      fds: fdCount(pid),
      perSecond: (done - lastDone) / (INTERVAL_MS / 1000),
      // CPU time per request hardly depends on what else the machine runs; requests/s does.
      cpuMs: ((cpu - lastCpu) * 1000) / (done - lastDone),
    });
    lastDone = done;
    lastCpu = cpu;
  };
  const sampler = setInterval(sample, INTERVAL_MS);
  const deadline = started + DURATION_MS;
  let seq = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      // One connection pool per worker, as Claude Code's parallel requests each hold a connection.
      const pool = new Pool(url, { connections: 1, pipelining: 1 });
      pools.push(pool);
      while (Date.now() < deadline) await send(pool, secret, CYCLE[seq++ % CYCLE.length], stats);
    }),
  );
  clearInterval(sampler);
  const loadSeconds = (Date.now() - started) / 1000;
  await Promise.all(pools.map((pool) => pool.close()));

  // After the load: the client's connections are closed; the gateway's keep-alive connections to
  // the upstream close when the upstream's keep-alive timeout passes. Wait for the count to settle.
  const settleStart = Date.now();
  let idleFds = fdCount(pid);
  while (idleFds > baseline.fds && Date.now() - settleStart < FD_SETTLE_MS) {
    await sleep(250);
    idleFds = fdCount(pid);
  }
  const settleSeconds = (Date.now() - settleStart) / 1000;
  const idleRss = rssMb(pid);
  await gateway.stop();

  const db = new Database(ledgerFile, { readonly: true });
  const outcomes = db
    .prepare("SELECT outcome, COUNT(*) AS n FROM requests GROUP BY outcome ORDER BY n DESC")
    .all();
  db.close();
  const ledgerRows = outcomes.reduce((s, o) => s + o.n, 0);

  const inWindow = (from, to) => samples.filter((s) => s.ms >= from && s.ms < to);
  const afterWarmup = inWindow(WARMUP_MS, WARMUP_MS + WINDOW_MS);
  const endWindow = inWindow(DURATION_MS - WINDOW_MS, Number.POSITIVE_INFINITY);
  const loaded = inWindow(WARMUP_MS, Number.POSITIVE_INFINITY);
  const row = (name, field, digits, unit) => {
    const values = samples.map((s) => s[field]);
    const slope = slopePerMinute(loaded.map((s) => ({ x: s.ms / 60_000, y: s[field] })));
    return [
      name,
      baseline[field] === undefined ? "—" : fmt(baseline[field], digits),
      fmt(median(afterWarmup.map((s) => s[field])), digits),
      fmt(median(values), digits),
      fmt(median(endWindow.map((s) => s[field])), digits),
      fmt(Math.max(...values), digits),
      `${slope >= 0 ? "+" : ""}${fmt(slope, digits + 1)} ${unit}/min`,
    ];
  };
  const rssAfterWarmup = median(afterWarmup.map((s) => s.rssMb));
  const rssEnd = median(endWindow.map((s) => s.rssMb));
  const rssFlat = rssEnd <= rssAfterWarmup * (1 + RSS_TOLERANCE);
  const fdsFlat = idleFds <= baseline.fds;
  const requests = totalDone();
  const verdict =
    rssFlat && fdsFlat
      ? "**flat**"
      : `**NOT flat**: ${[
          rssFlat
            ? null
            : `RSS at the end ${fmt(rssEnd, 1)} MiB > ${fmt(rssAfterWarmup, 1)} MiB + ${RSS_TOLERANCE * 100} %`,
          fdsFlat ? null : `${idleFds} FDs ${FD_SETTLE_MS / 1000} s after the load, baseline ${baseline.fds}`,
        ]
          .filter(Boolean)
          .join("; ")}`;
  const everyMinute = samples.filter(
    (s, i) => i === 0 || Math.floor(s.ms / 60_000) > Math.floor(samples[i - 1].ms / 60_000),
  );
  const minutes = MINUTES === 1 ? "1 minute" : `${MINUTES} minutes`;
  const metered = requests - (stats.done.countTokens ?? 0) - (stats.done.models ?? 0);
  const out = [
    "## Soak (`bench/soak`)",
    "",
    `${minutes} of continuous traffic, ${CONCURRENCY} concurrent clients, through the metering gateway started as a wrapped run in api mode starts it (\`LazyApiBilling\` → \`startApiBilling\`, default config with the session cap raised to $1,000,000 so it is checked on every request and never reached, ledger on) in a process of its own, against the simulator (${REPLY_BYTES / 1024} KiB replies) in another. The gateway process's RSS (VmRSS) and open file descriptors (/proc/<pid>/fd) are sampled every ${INTERVAL_MS / 1000} s. Request mix, interleaved: ${Object.entries(
      KINDS,
    )
      .map(([kind, spec]) => `${CYCLE.filter((k) => k === kind).length}/20 ${spec.label}`)
      .join(", ")}.`,
    "",
    table(
      ["measure", "before load", "after warm-up", "median", "end", "max", "slope after warm-up"],
      [
        row("gateway RSS (MiB)", "rssMb", 1, "MiB"),
        row("gateway open FDs", "fds", 0, "FDs"),
        row("requests/s", "perSecond", 0, "req/s"),
        row("gateway CPU per request (ms)", "cpuMs", 3, "ms"),
      ],
    ),
    "",
    "Requests/s moves with whatever else the machine runs; the gateway's CPU time per request hardly does, so a per-request cost that grew over the run would show there.",
    "",
    `Requests done: ${requests} in ${fmt(loadSeconds, 0)} s (${Object.entries(stats.done)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(
        ", ",
      )}); ${stats.aborted} aborted by the client on purpose; completed requests took p50 ${fmt(pct(stats.ms, 50), 2)} ms, p99 ${fmt(pct(stats.ms, 99), 2)} ms. **Errors: ${stats.errors}**${stats.errorSamples.length > 0 ? ` (${stats.errorSamples.join("; ")})` : ""}.`,
    "",
    `Ledger: ${ledgerRows} request rows for ${metered} metered requests sent (${outcomes.map((o) => `${o.outcome} ${o.n}`).join(", ")}); a request aborted before the gateway had read it leaves no row.`,
    "",
    `RSS at each minute: ${everyMinute.map((s) => `${fmt(s.ms / 60_000, 0)}: ${fmt(s.rssMb, 1)}`).join(", ")} MiB. After the load: ${idleFds} FDs (baseline ${baseline.fds}) ${fmt(settleSeconds, 1)} s after the clients closed their connections, RSS ${fmt(idleRss, 1)} MiB.`,
    "",
    `Verdict: ${verdict}${MINUTES < 3 ? " (a run this short mostly measures the warm-up; the verdict is meant for the default 10 minutes)" : ""}. Criterion: the median RSS over the last 10 % of the run is within ${RSS_TOLERANCE * 100} % of the median over the 10 % right after warm-up (the first 20 % of the run), and once the clients have closed their connections the open FDs are back to the count before any request, within ${FD_SETTLE_MS / 1000} s (the gateway's idle keep-alive connections to the upstream close when the upstream's keep-alive timeout passes).`,
    "",
  ].join("\n");
  process.stdout.write(`${out}\n`);
} finally {
  await Promise.all(pools.filter((pool) => !pool.closed && !pool.destroyed).map((pool) => pool.destroy()));
  await Promise.all([gateway.stop(), sim.stop()]);
  rmSync(work, { recursive: true, force: true });
}

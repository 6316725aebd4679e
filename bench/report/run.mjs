// bench/report: reading a large synthetic Claude Code history for `usage --subscription`, timed
// against ccusage (installed into a temp dir at bench time, run offline) on the same files in the
// same run, with both totals shown and their differences explained. Prints a Markdown section.
// Usage: npm run build && node bench/report/run.mjs [--quick | --size <MiB>] [--keep] [--runs <n>]
//   default 1024 MiB; --quick = 50 MiB. The history is synthetic (generated here), not real data.
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CCUSAGE_VERSION, installPackage } from "../lib/peers.mjs";
import { table } from "../lib/stats.mjs";

const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const QUICK = args.includes("--quick");
const SIZE_MIB = Number(argValue("--size") ?? (QUICK ? 50 : 1024));
const RUNS = Number(argValue("--runs") ?? 1);
const KEEP = args.includes("--keep");
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
const { createPricing } = await import(new URL("../../dist/pricing/pricing.js", import.meta.url).href);
const { tokenUsageFromApi } = await import(
  new URL("../../dist/pricing/token-usage.js", import.meta.url).href
);

if (!existsSync(cli)) {
  console.error("bench/report: run `npm run build` first");
  process.exit(1);
}

// ── Deterministic synthetic history ───────────────────────────────────────────────────────────────

let seed = 0x9e3779b9;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (weighted) => {
  let r = rand() * weighted.reduce((s, [, w]) => s + w, 0);
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return weighted[0][0];
};
const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

// Text with quotes, newlines, backslashes and some non-ASCII, as tool output and code look.
const WORDS =
  'const value = await fetch(url); if (!res.ok) throw new Error("failed: " + res.status); \\n path/to/file.ts:42 ✓ résumé 日本語 {"nested":"json","type":"assistant"} return x; '.split(
    " ",
  );
const FILLER = `${Array.from({ length: 200_000 }, () => WORDS[int(0, WORDS.length - 1)]).join(" ")}\n`;
const text = (n) => {
  const start = int(0, FILLER.length - n - 1);
  return FILLER.slice(start, start + n);
};

const MODELS = [
  ["claude-sonnet-4-5-20250929", 62],
  ["claude-opus-4-1-20250805", 8],
  ["claude-haiku-4-5-20251001", 20],
  ["claude-sonnet-4-20250514", 9],
  ["claude-nova-7-20270101", 0.5], // not in any price table
];

const pricing = createPricing();
const truth = {
  files: 0,
  bytes: 0,
  records: 0,
  messages: 0,
  duplicates: 0,
  copies: 0,
  synthetic: 0,
  longContext: 0,
  ours: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0, nano: 0, unknown: 0 },
  ccusageRules: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0, usd: 0 },
};

/** ccusage 18's formula (per-category tiering on each count's excess over 200k, every cache write at
 * the 5-minute rate, unknown model = $0), applied to OUR price table: isolates rule differences. */
function ccusageRuleCost(model, u) {
  const row = pricing.find(model);
  if (!row) return 0;
  const tier = (n, base, long) =>
    n > 200_000 && long !== undefined ? 200_000 * base + (n - 200_000) * long : n * base;
  return (
    (tier(u.input_tokens, row.input, row.input_long) +
      tier(u.output_tokens, row.output, row.output_long) +
      tier(u.cache_creation_input_tokens, row.cache_write_5m, row.cache_write_5m_long) +
      tier(u.cache_read_input_tokens, row.cache_read, row.cache_read_long)) /
    1e6
  );
}

function account(model, first, last) {
  truth.messages++;
  if (model === "<synthetic>") {
    truth.synthetic++;
  } else {
    const t = truth.ours;
    const usage = tokenUsageFromApi(last);
    t.input += last.input_tokens;
    t.output += last.output_tokens;
    t.cacheWrite += last.cache_creation_input_tokens;
    t.cacheWrite1h += usage.cache_creation_1h_input_tokens;
    t.cacheRead += last.cache_read_input_tokens;
    const cost = pricing.cost(model, usage);
    if (cost.known) t.nano += cost.nanoUsd;
    else t.unknown++;
    if (cost.known && cost.tier === "long_context") truth.longContext++;
  }
  const c = truth.ccusageRules;
  c.input += first.input_tokens;
  c.output += first.output_tokens;
  c.cacheWrite += first.cache_creation_input_tokens;
  c.cacheRead += first.cache_read_input_tokens;
  if (model !== "<synthetic>") c.usd += ccusageRuleCost(model, first);
}

const BASE = Date.parse("2026-09-01T00:00:00Z");

/** Writes one session file; returns the final records of a few messages for a later "resume" copy. */
function writeSession(file, sessionId, startMs, targetBytes, copiesIn) {
  const fd = openSync(file, "w");
  let chunk = "";
  let written = 0;
  const emit = (obj) => {
    const line = `${JSON.stringify(obj)}\n`;
    chunk += line;
    written += line.length;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = "";
    }
  };
  let now = startMs;
  const common = () => ({
    parentUuid: uuid(),
    isSidechain: false,
    userType: "external",
    cwd: "/home/dev/project",
    sessionId,
    version: "2.0.31",
    gitBranch: "main",
  });
  // A resumed session starts with records copied from an earlier one (same ids: duplicates).
  for (const copy of copiesIn) {
    emit(copy);
    truth.copies++;
    truth.duplicates++;
    truth.records++;
  }
  const saved = [];
  let context = int(8_000, 30_000);
  while (written < targetBytes) {
    now += int(5_000, 600_000);
    emit({
      ...common(),
      type: "user",
      message: { role: "user", content: text(int(80, 1500)) },
      uuid: uuid(),
      timestamp: new Date(now).toISOString(),
    });
    if (rand() < 0.1)
      emit({
        type: "file-history-snapshot",
        messageId: uuid(),
        snapshot: {
          trackedFileBackups: { "src/a.ts": { backupFileName: hex(16), version: 3 } },
          timestamp: new Date(now).toISOString(),
        },
      });
    const calls = int(1, 8);
    for (let call = 0; call < calls; call++) {
      const model = rand() < 0.003 ? "<synthetic>" : pick(MODELS);
      const id = `msg_01${hex(22)}`;
      const requestId = `req_011${hex(21)}`;
      context += int(500, 6000);
      if (context > 260_000 || rand() < 0.02) context = int(8_000, 30_000);
      const write = int(0, 4000);
      const oneHour = rand() < 0.3 ? int(0, write) : 0;
      const base = {
        input_tokens: int(1, 40),
        cache_creation_input_tokens: write,
        cache_read_input_tokens: context,
        cache_creation: { ephemeral_5m_input_tokens: write - oneHour, ephemeral_1h_input_tokens: oneHour },
        service_tier: "standard",
      };
      const finalOutput = int(20, 3000);
      const blocks = model === "<synthetic>" ? 1 : int(1, 3);
      let first;
      let last;
      for (let b = 0; b < blocks; b++) {
        now += int(200, 20_000);
        const output = b === blocks - 1 ? finalOutput : int(1, 12);
        const usage =
          model === "<synthetic>"
            ? {
                input_tokens: 0,
                output_tokens: 0,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 0,
              }
            : { ...base, output_tokens: output };
        const kind =
          b === 0 && blocks > 1 ? "thinking" : b === blocks - 1 && blocks > 1 ? "tool_use" : "text";
        const content =
          kind === "thinking"
            ? [{ type: "thinking", thinking: text(int(300, 3000)), signature: hex(300) }]
            : kind === "tool_use"
              ? [
                  {
                    type: "tool_use",
                    id: `toolu_${hex(20)}`,
                    name: "Edit",
                    input: {
                      file_path: "/home/dev/project/src/a.ts",
                      old_string: text(int(50, 1500)),
                      new_string: text(int(50, 1500)),
                    },
                  },
                ]
              : [{ type: "text", text: text(int(40, 1200)) }];
        const record = {
          ...common(),
          message: {
            model,
            id,
            type: "message",
            role: "assistant",
            content,
            stop_reason: null,
            stop_sequence: null,
            usage,
          },
          requestId,
          type: "assistant",
          uuid: uuid(),
          timestamp: new Date(now).toISOString(),
        };
        emit(record);
        truth.records++;
        if (b > 0) truth.duplicates++;
        first ??= usage;
        last = usage;
        if (b === blocks - 1 && rand() < 0.02) saved.push(record);
      }
      account(model, first, last);
      if (blocks > 1) {
        emit({
          ...common(),
          type: "user",
          message: {
            role: "user",
            content: [
              { tool_use_id: `toolu_${hex(20)}`, type: "tool_result", content: text(int(200, 12_000)) },
            ],
          },
          uuid: uuid(),
          timestamp: new Date(now + 50).toISOString(),
          toolUseResult: { stdout: text(int(100, 6000)), stderr: "", interrupted: false },
        });
      }
    }
    if (rand() < 0.01) emit({ type: "summary", summary: text(60), leafUuid: uuid() });
    if (rand() < 0.005) emit("not json: a torn write".slice(0, int(5, 20)));
  }
  if (chunk) writeSync(fd, chunk);
  closeSync(fd);
  truth.files++;
  truth.bytes += written; // ASCII-dominated: close enough for the size target; exact size from fs below
  return { saved, end: now };
}

function generate(root) {
  const target = SIZE_MIB * 1024 * 1024;
  let total = 0;
  let sessionIndex = 0;
  let pending = [];
  while (total < target) {
    const project = join(root, "projects", `-home-dev-project-${sessionIndex % 12}`);
    mkdirSync(project, { recursive: true });
    const sessionId = uuid();
    const size = Math.min(target - total, int(256 * 1024, 12 * 1024 * 1024));
    const start = BASE + sessionIndex * 3 * 3600_000 + int(0, 3600_000);
    const copies = rand() < 0.3 ? pending : [];
    if (copies === pending) pending = [];
    const { saved } = writeSession(join(project, `${sessionId}.jsonl`), sessionId, start, size, copies);
    pending.push(...saved);
    total += size;
    sessionIndex++;
  }
}

// ── Running the two tools ─────────────────────────────────────────────────────────────────────────

const hasTime = existsSync("/usr/bin/time");

/** Runs a command; wall time, peak RSS (GNU time, else polled VmHWM), stdout. */
function timed(command, argv, env) {
  return new Promise((resolve, reject) => {
    const full = hasTime ? ["/usr/bin/time", ["-f", "__MAXRSS_KB=%M", command, ...argv]] : [command, argv];
    const started = process.hrtime.bigint();
    const child = spawn(full[0], full[1], { env, stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    let err = "";
    let polledKb = 0;
    const poll = hasTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
            if (m) polledKb = Math.max(polledKb, Number(m[1]));
          } catch {}
        }, 50);
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (poll) clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const m = /__MAXRSS_KB=(\d+)/.exec(err);
      if (code !== 0)
        return reject(new Error(`${command} ${argv.join(" ")} exited ${code}: ${err.slice(-2000)}`));
      resolve({
        ms,
        rssMb: (m ? Number(m[1]) : polledKb) / 1024,
        stdout: Buffer.concat(out).toString("utf8"),
      });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), "cf-bench-report-"));
const claudeDir = join(work, "claude");
const ccuDir = join(work, "ccusage");
try {
  process.stderr.write(`generating ~${SIZE_MIB} MiB of synthetic transcripts in ${claudeDir}…\n`);
  const genStart = Date.now();
  generate(claudeDir);
  const genSec = (Date.now() - genStart) / 1000;
  const du = spawnSync("du", ["-sb", claudeDir], { encoding: "utf8" }).stdout.split("\t")[0];
  process.stderr.write(
    `generated ${du} bytes in ${truth.files} files (${genSec.toFixed(1)} s); installing ccusage@${CCUSAGE_VERSION}…\n`,
  );
  const ccusageBin = join(installPackage(ccuDir, "ccusage", CCUSAGE_VERSION), "dist", "index.js");

  const env = {
    ...process.env,
    CLAUDE_CONFIG_DIR: claudeDir,
    CLAUDE_FALLBACK_HOME: join(work, "cf-home"),
    TZ: "UTC",
    NO_COLOR: "1",
  };
  // Warm the page cache once for both (the files were just written; this makes it explicit).
  spawnSync("sh", ["-c", `cat "${claudeDir}"/projects/*/*.jsonl > /dev/null`]);
  const ours = [];
  const theirs = [];
  for (let run = 0; run < RUNS; run++) {
    // One at a time (shared machine); alternate the order between runs.
    const a = () =>
      timed(process.execPath, [cli, "usage", "--subscription", "--json", "--tz", "UTC"], env).then((r) =>
        ours.push(r),
      );
    const b = () =>
      timed(process.execPath, [ccusageBin, "daily", "--json", "--offline", "--timezone", "UTC"], env).then(
        (r) => theirs.push(r),
      );
    if (run % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  }
  const oj = JSON.parse(ours.at(-1).stdout).subscription;
  const cj = JSON.parse(theirs.at(-1).stdout).totals;
  const best = (rs) => rs.reduce((m, r) => (r.ms < m.ms ? r : m));
  const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const mbps = (ms) => `${(Number(du) / 1048576 / (ms / 1000)).toFixed(0)} MiB/s`;
  const o = best(ours);
  const c = best(theirs);
  const t = truth.ours;
  const r = truth.ccusageRules;
  const usd = (x) => `$${x.toFixed(2)}`;
  const n = (x) => x.toLocaleString("en-US");
  const check = (a, b) => (a === b ? "= ✓" : `≠ ✗ (${b})`);
  const lines = [
    `## bench/report — \`usage --subscription\` vs ccusage ${CCUSAGE_VERSION} (offline)`,
    "",
    `Synthetic history (generated by this script, not real data): ${(Number(du) / 1048576).toFixed(0)} MiB in ${truth.files} files; ` +
      `${n(truth.records)} assistant records for ${n(truth.messages)} API requests (${n(truth.duplicates)} duplicate streaming/resume records, ` +
      `${truth.synthetic} \`<synthetic>\`, ${truth.longContext} long-context > 200k), plus user/tool-result/summary/snapshot records and torn lines. ` +
      `Page cache warm, same files, same run, ${RUNS} run(s) each, best shown; node ${process.version}, ${hasTime ? "peak RSS from GNU time" : "peak RSS polled from /proc"}.`,
    "",
    table(
      ["tool", "command", "wall", "throughput", "peak RSS"],
      [
        [
          "claude-fallback",
          "`usage --subscription --json`",
          fmtS(o.ms),
          mbps(o.ms),
          `${o.rssMb.toFixed(0)} MB`,
        ],
        [
          `ccusage ${CCUSAGE_VERSION}`,
          "`daily --json --offline`",
          fmtS(c.ms),
          mbps(c.ms),
          `${c.rssMb.toFixed(0)} MB`,
        ],
      ],
    ),
    "",
    `Speed-up: ${(c.ms / o.ms).toFixed(1)}× (all runs, ms — ours: ${ours.map((x) => x.ms.toFixed(0)).join(", ")}; ccusage: ${theirs.map((x) => x.ms.toFixed(0)).join(", ")}).`,
    "",
    "Totals (generator's ground truth computed while writing the files):",
    "",
    table(
      ["", "claude-fallback", "truth, keep-last rules", "ccusage", "truth, ccusage rules"],
      [
        ["requests", n(oj.totals.requests), `${n(truth.messages - truth.synthetic)}`, "—", "—"],
        [
          "input",
          n(oj.totals.input_tokens),
          check(oj.totals.input_tokens, t.input),
          n(cj.inputTokens),
          check(cj.inputTokens, r.input),
        ],
        [
          "output",
          n(oj.totals.output_tokens),
          check(oj.totals.output_tokens, t.output),
          n(cj.outputTokens),
          check(cj.outputTokens, r.output),
        ],
        [
          "cache write",
          n(oj.totals.cache_write_5m_tokens + oj.totals.cache_write_1h_tokens),
          check(oj.totals.cache_write_5m_tokens + oj.totals.cache_write_1h_tokens, t.cacheWrite),
          n(cj.cacheCreationTokens),
          check(cj.cacheCreationTokens, r.cacheWrite),
        ],
        [
          "cache read",
          n(oj.totals.cache_read_tokens),
          check(oj.totals.cache_read_tokens, t.cacheRead),
          n(cj.cacheReadTokens),
          check(cj.cacheReadTokens, r.cacheRead),
        ],
        [
          "cost",
          `${usd(oj.totals.cost_usd)} + ${oj.totals.unknown_cost_requests} unknown`,
          `${usd(t.nano / 1e9)} + ${t.unknown} unknown ${oj.totals.cost_nanousd === t.nano ? "✓" : "✗"}`,
          usd(cj.totalCost),
          usd(r.usd),
        ],
      ],
    ),
    "",
    "Why the totals differ:",
    `- **Dedupe**: both key on message id + request id, but ccusage keeps the FIRST record (files in order of earliest timestamp), so streamed responses count the first content block's output_tokens; we keep the LAST (final count). Output tokens: ${n(t.output)} vs ${n(cj.outputTokens)} (${n(t.output - cj.outputTokens)} fewer in ccusage).`,
    `- **1-hour cache writes**: ccusage prices every cache write at the 5-minute rate; we price \`ephemeral_1h_input_tokens\` (${n(t.cacheWrite1h)} here) at the 1-hour rate (2× input vs 1.25×).`,
    `- **Long context**: ccusage tiers each token category separately on its excess over 200k; Anthropic (and we) bill the whole request at the long rates when input + cache tokens exceed 200k (${truth.longContext} requests here).`,
    `- **Unknown model**: ccusage counts it as $0 (or borrows a price by substring match); we report it as unknown (${t.unknown} requests) and leave it out of the sum.`,
    `- **Price table**: ccusage uses its bundled LiteLLM snapshot offline, we use ours (+ config \`pricing\`). The "ccusage rules" column applies ccusage's formula to OUR price table: ${usd(r.usd)} vs ccusage's ${usd(cj.totalCost)}, a residual of ${usd(cj.totalCost - r.usd)} (${((100 * (cj.totalCost - r.usd)) / r.usd).toFixed(3)}%) from price-table differences alone.`,
  ];
  console.log(lines.join("\n"));
} finally {
  if (KEEP) process.stderr.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

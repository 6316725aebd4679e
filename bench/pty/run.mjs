// bench/pty: what the wrapper's pass-through costs. The real claude-fallback binary runs a stand-in
// `claude` (bench/pty/child.mjs) in its pseudo-terminal — so every chunk gets exactly the work an
// interactive run does: PtyChild, the terminal-modes tracker, the screen scanner (limit detection),
// the output gate and the write to the user's terminal — and that is measured against the same
// child spawned directly in a pty (@lydell/node-pty), as a terminal would run plain `claude`.
// Throughput: 100 MB of terminal-like text. Echo: one byte typed, until it comes back.
// Prints a Markdown section. Usage: npm run build && node bench/pty/run.mjs [--quick]
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, summarize, table } from "../lib/stats.mjs";
import { childScript, relayScript, spawnInTerminal, timeFlood, writeStandInClaude } from "./terminal.mjs";

const quick = process.argv.includes("--quick");
const BYTES = quick ? 20_000_000 : 100_000_000;
/** Rounds of every path in turn: the ratios are taken per round, so a busy moment hits both sides. */
const THROUGHPUT_RUNS = quick ? 3 : 5;
const ECHOES = quick ? 300 : 2000;
const cli = fileURLToPath(new URL("../../dist/bin/claude-fallback.js", import.meta.url));
/** util-linux `script`: a pty relay written in C (a poll loop of reads and writes), when installed. */
const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

const root = await mkdtemp(join(tmpdir(), "cf-bench-pty-"));
const home = join(root, "home");
const shim = await writeStandInClaude(root);
const baseEnv = {
  PATH: process.env.PATH,
  HOME: root,
  TERM: "xterm-256color",
  LANG: "C.UTF-8",
  TZ: "UTC",
  CLAUDE_FALLBACK_HOME: home,
};

/** Starts one path in an outer pty (the user's terminal): the child directly, or under the wrapper. */
function start(path, mode, bytes = 0) {
  const env = { ...baseEnv, BENCH_MODE: mode, BENCH_BYTES: String(bytes) };
  const childArgs = [childScript, mode, String(bytes)];
  const [file, args] = {
    direct: [process.execPath, childArgs],
    relay: [process.execPath, [relayScript, process.execPath, ...childArgs]],
    script: [
      "script",
      ["--quiet", "--return", "--command", [process.execPath, ...childArgs].join(" "), "/dev/null"],
    ],
    wrapper: [process.execPath, [cli, "--claude", shim]],
  }[path];
  const term = spawnInTerminal(file, args, { cwd: root, env });
  let listener = () => {};
  term.onData((data) => listener(data));
  const exited = new Promise((resolve) => term.onExit(resolve));
  return {
    term,
    exited,
    /** Resolves once `test(chunk, tail)` is true for an output chunk. */
    until(test) {
      return new Promise((resolve) => {
        let tail = Buffer.alloc(0);
        listener = (chunk) => {
          const joined = Buffer.concat([tail, chunk]);
          if (test(chunk, joined)) {
            listener = () => {};
            resolve();
          }
          tail = joined.subarray(Math.max(0, joined.length - 16));
        };
      });
    },
  };
}

async function throughput(path) {
  const run = start(path, "flood", BYTES);
  const seconds = await timeFlood(run.term);
  await run.exited;
  return { mbps: BYTES / 1e6 / seconds };
}

async function echo(path) {
  const run = start(path, "echo");
  await run.until((_chunk, joined) => joined.includes("READY"));
  const samples = [];
  for (let i = 0; i < ECHOES + 50; i++) {
    const back = run.until((chunk) => chunk.includes(0x78));
    const t0 = process.hrtime.bigint();
    run.term.write("x");
    await back;
    if (i >= 50) samples.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 50 warm up
  }
  run.term.write("q");
  await run.exited;
  return summarize(samples);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const rates = { direct: [], relay: [], ...(hasScript ? { script: [] } : {}), wrapper: [] };
  for (let i = 0; i < THROUGHPUT_RUNS; i++) {
    for (const path of Object.keys(rates)) rates[path].push((await throughput(path)).mbps);
  }
  const direct = median(rates.direct);
  const relayed = median(rates.relay);
  const scripted = hasScript ? median(rates.script) : Number.NaN;
  const wrapped = median(rates.wrapper);
  const vsRelay = median(rates.wrapper.map((rate, round) => rate / rates.relay[round]));
  const load = loadavg()[0];
  const echoDirect = await echo("direct");
  const echoWrapper = await echo("wrapper");

  console.log("## Pseudo-terminal pass-through\n");
  console.log(
    `The real \`claude-fallback\` running a stand-in \`claude\` (bench/pty/child.mjs) vs the same child spawned directly in a pty; ${BYTES / 1e6} MB of terminal-like text (SGR colours, UTF-8), median of ${THROUGHPUT_RUNS} rounds of every path in turn; echo: ${ECHOES} single bytes typed and echoed back by the child in raw mode. Load average (1 min) at the end of the throughput rounds: ${fmt(load, 2)} on ${cpus().length} cores.\n`,
  );
  console.log(
    table(
      ["measurement", "direct", "through the wrapper", "ratio / added", "target", "ok"],
      [
        ["throughput (MB/s)", fmt(direct, 1), fmt(wrapped, 1), `${fmt(wrapped / direct, 2)}×`, "", ""],
        [
          "throughput vs the bare node-pty relay (median of the rounds' ratios)",
          "",
          "",
          `${fmt(vsRelay, 2)}×`,
          "≥ 0.9×",
          vsRelay >= 0.9 ? "yes" : "NO",
        ],
        [
          "throughput of a bare node-pty relay (MB/s)",
          fmt(direct, 1),
          fmt(relayed, 1),
          `${fmt(relayed / direct, 2)}×`,
          "",
          "",
        ],
        [
          "throughput of a C pty relay, util-linux `script` (MB/s)",
          fmt(direct, 1),
          hasScript ? fmt(scripted, 1) : "not installed",
          hasScript ? `${fmt(scripted / direct, 2)}×` : "",
          "",
          "",
        ],
        [
          "echo p50 (ms)",
          fmt(echoDirect.p50),
          fmt(echoWrapper.p50),
          `+${fmt(echoWrapper.p50 - echoDirect.p50)}`,
          "< 1 ms added",
          echoWrapper.p50 - echoDirect.p50 < 1 ? "yes" : "NO",
        ],
        [
          "echo p99 (ms)",
          fmt(echoDirect.p99),
          fmt(echoWrapper.p99),
          `+${fmt(echoWrapper.p99 - echoDirect.p99)}`,
          "",
          "",
        ],
      ],
    ),
  );
  console.log(
    `\nReading the throughput: through any pty wrapper every byte crosses two pseudo-terminals and one more process (child → wrapper → your terminal). The relay rows are the least such a wrapper can do: bench/pty/relay.mjs copies bytes both ways with node-pty and nothing else (${fmt(relayed / direct, 2)}× direct here)${hasScript ? `, and util-linux \`script\` does the same in C (${fmt(scripted / direct, 2)}× direct)` : ""}. Linux hands a pty's output over in pieces of at most 4 KiB, so every piece costs a read, a blocking write to the next terminal and a wake-up of its reader, on ${cpus().length} cores shared by three busy processes; most of that time is the kernel's. claude-fallback does the same and, per piece, also tracks the terminal modes and reads the screen for limit notices. Claude Code's own output is a few kB/s; ${fmt(wrapped, 1)} MB/s is far above what it produces.`,
  );
  console.log("");
} finally {
  await rm(root, { recursive: true, force: true });
}

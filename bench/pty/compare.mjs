// bench/pty/compare: builds of claude-fallback side by side with the bare node-pty relay, in the
// same rounds, for telling what one change to the pass-through does through the noise of a shared
// machine. Each build is a copy of dist/ (e.g. `cp -r dist /tmp/dist-before`, change, build).
// Per round every path floods 20 MB (BYTES) through an outer pty, the order reversed every other
// round; prints each build's median throughput ratio to the relay (and every round's), and the
// user + system CPU per MB of the path's process tree (/usr/bin/time: the child included).
// Usage: node bench/pty/compare.mjs ROUNDS DIST… [BYTES=20000000] [PROFILE_DIR=dir: --cpu-prof the builds]
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childScript, relayScript, spawnInTerminal, timeFlood, writeStandInClaude } from "./terminal.mjs";

const [roundsArg, ...distArgs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || distArgs.length === 0) {
  console.error("usage: node bench/pty/compare.mjs ROUNDS DIST…");
  process.exit(2);
}
const dists = distArgs.map((dist) => resolve(dist));
const BYTES = Number(process.env.BYTES ?? 20_000_000);
const profileDir = process.env.PROFILE_DIR;

const root = await mkdtemp(join(tmpdir(), "cf-bench-compare-"));
const shim = await writeStandInClaude(root);
const timeFile = join(root, "time");

/** One flood through `path` ("relay" or a dist directory): MB/s, and CPU ms per MB of its process tree. */
async function flood(path) {
  const env = {
    PATH: process.env.PATH,
    HOME: root,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    TZ: "UTC",
    BENCH_MODE: "flood",
    BENCH_BYTES: String(BYTES),
  };
  const command =
    path === "relay"
      ? [relayScript, process.execPath, childScript, "flood", String(BYTES)]
      : [
          ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
          join(path, "bin", "claude-fallback.js"),
          "--claude",
          shim,
        ];
  if (path !== "relay") env.CLAUDE_FALLBACK_HOME = join(root, "home");
  const term = spawnInTerminal(
    "/usr/bin/time",
    ["-f", "%U %S", "-o", timeFile, process.execPath, ...command],
    {
      cwd: root,
      env,
    },
  );
  const exited = new Promise((done) => term.onExit(done));
  const seconds = await timeFlood(term);
  await exited;
  const [user, system] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
  return { mbps: BYTES / 1e6 / seconds, cpuPerMb: ((user + system) * 1000) / (BYTES / 1e6) };
}

const paths = ["relay", ...dists];
const results = Object.fromEntries(paths.map((path) => [path, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const path of round % 2 ? [...paths].reverse() : paths) results[path].push(await flood(path));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const relay = results.relay;
console.log(`${BYTES / 1e6} MB, ${rounds} rounds, load ${loadavg()[0].toFixed(2)} at the end`);
for (const path of paths) {
  const runs = results[path];
  const ratios = runs.map((run, round) => run.mbps / relay[round].mbps);
  const ratio =
    path === "relay"
      ? ""
      : ` ratio ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(" ")})`;
  console.log(
    `${path}: ${median(runs.map((run) => run.mbps)).toFixed(1)} MB/s,${ratio} CPU ${median(runs.map((run) => run.cpuPerMb)).toFixed(1)} ms/MB`,
  );
}

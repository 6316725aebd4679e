// Runs every benchmark (bench/<name>/run.mjs, in a fixed order, then any others) one after the other
// and writes BENCHMARKS.md: the machine, the versions of Node, Claude Code and the peers compared
// against, the date, and each section.
// Usage: npm run bench   (builds first)
//   --out FILE    write FILE instead of BENCHMARKS.md (trying things out on a busy machine)
//   --only a,b    run only these benchmarks
//   any other argument (e.g. --quick) goes to every benchmark.
//   CF_BENCH_SOAK_MINUTES=N   bench/soak's duration (default 10 minutes; --quick: 1).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CCR_PACKAGE, CCR_VERSION, CCUSAGE_VERSION } from "./lib/peers.mjs";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const ORDER = ["start", "gateway", "peers", "hooks", "pty", "switch", "report", "soak"];
const argv = process.argv.slice(2);
const optionValue = (name) => {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`bench/run-all: ${name} needs a value`);
    process.exit(2);
  }
  argv.splice(i, 2);
  return value;
};
const output = resolve(optionValue("--out") ?? fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url)));
const only = optionValue("--only")?.split(",");
const args = argv;

const present = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${benchDir}${entry.name}/run.mjs`))
  .map((entry) => entry.name);
const names = [
  ...ORDER.filter((name) => present.includes(name)),
  ...present.filter((name) => !ORDER.includes(name)).sort(),
].filter((name) => !only || only.includes(name));
const unknown = only?.filter((name) => !present.includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `bench/run-all: no bench/${unknown.join(", bench/")}/run.mjs (there are: ${present.join(", ")})`,
  );
  process.exit(2);
}

function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [`${benchDir}${name}/run.mjs`, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("close", (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const failed = code !== 0 ? `\n**bench/${name} failed** (${signal ?? `exit ${code}`}).\n` : "";
      resolve(`${out.trim()}\n${failed}\n_bench/${name}: ${seconds} s._\n`);
    });
  });
}

const require = createRequire(import.meta.url);
const claudeVersion = require("@anthropic-ai/claude-code/package.json").version;
const cpu = cpus();
const started = Date.now();
const date = new Date(started).toISOString();
const load = loadavg()
  .map((n) => n.toFixed(1))
  .join(" ");
const header = () =>
  [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (bench/run-all.mjs); every number below comes from that run.",
    "",
    "| | |",
    "| --- | --- |",
    `| date | ${date} |`,
    `| machine | ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${process.platform} ${process.arch} |`,
    `| node | ${process.version} |`,
    `| claude (Claude Code) | ${claudeVersion} (the pinned dev dependency) |`,
    `| claude-code-router | ${CCR_PACKAGE}@${CCR_VERSION} (installed by bench/peers into a temp dir) |`,
    `| ccusage | ${CCUSAGE_VERSION} (installed by bench/report into a temp dir) |`,
    `| load average at the start | ${load} (1, 5, 15 min) |`,
    `| arguments | ${[...args, ...(only ? ["--only", only.join(",")] : [])].join(" ") || "(none)"} |`,
    `| whole run | ${((Date.now() - started) / 60_000).toFixed(1)} min |`,
    "",
  ].join("\n");

const sections = [];
for (const name of names) {
  process.stderr.write(`\n── bench/${name} ──\n`);
  sections.push(await run(name));
}
writeFileSync(output, `${header()}\n${sections.join("\n")}`);
process.stderr.write(`\nwrote ${output}\n`);

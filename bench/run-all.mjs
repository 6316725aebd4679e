// Runs every benchmark (bench/<name>/run.mjs, in a fixed order, then any others) one after the other
// and writes BENCHMARKS.md: the machine, Node and Claude Code versions, the date, and each section.
// Usage: npm run bench   (builds first)   — extra arguments (e.g. --quick) go to every benchmark.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const output = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));
const ORDER = ["gateway", "hooks", "pty", "switch", "report"];
const args = process.argv.slice(2);

const present = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${benchDir}${entry.name}/run.mjs`))
  .map((entry) => entry.name);
const names = [
  ...ORDER.filter((name) => present.includes(name)),
  ...present.filter((name) => !ORDER.includes(name)).sort(),
];

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
const header = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run-all.mjs); every number below comes from that run.",
  "",
  "| | |",
  "| --- | --- |",
  `| date | ${new Date().toISOString()} |`,
  `| machine | ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${process.platform} ${process.arch} |`,
  `| node | ${process.version} |`,
  `| claude (Claude Code) | ${claudeVersion} (the pinned dev dependency) |`,
  `| arguments | ${args.length > 0 ? args.join(" ") : "(none)"} |`,
  "",
].join("\n");

const sections = [];
for (const name of names) {
  process.stderr.write(`\n── bench/${name} ──\n`);
  sections.push(await run(name));
}
writeFileSync(output, `${header}\n${sections.join("\n")}`);
process.stderr.write(`\nwrote ${output}\n`);

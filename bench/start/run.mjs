// bench/start: what the wrapper adds to every start of Claude Code. The real, pinned `claude` against
// the simulator, bare, under a bare Node wrapper (floor.mjs: the least any Node wrapper adds) and
// under claude-fallback, in interleaved groups (each group runs every path once, in a rotating
// order, so the machine's load falls on all of them alike): `-p hello` on the
// subscription, `-p hello` with --force-api (the metering gateway), the time to Claude's first
// prompt in a pseudo-terminal; and the commands without claude (`status`, `statusline`, `--version`)
// against `node -e ''`; and when Claude is spawned, with a stand-in claude that records its start
// (stand-in-claude.sh), against floor.mjs spawning the same. Wall and CPU (user + system of the
// process and everything it waited for, from /usr/bin/time) medians; "added" is the median of the per-group differences.
// What is measured is what ships: by default `npm pack` of this tree, installed with
// `npm install -g --prefix <temp dir>`, and its `claude-fallback`; `--dist` measures dist/ instead.
// Prints a Markdown section. Usage: npm run build && node bench/start/run.mjs [--quick] [--dist]
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import { startSimulator } from "../../dist/simulator/index.js";
import { claude, claudeVersion, KEY, sandbox } from "../lib/claude-sandbox.mjs";
import { fmt, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const fromDist = process.argv.includes("--dist");
const GROUPS = quick ? 5 : 11;
const repo = fileURLToPath(new URL("../..", import.meta.url));
const floorScript = fileURLToPath(new URL("./floor.mjs", import.meta.url));
const standIn = fileURLToPath(new URL("./stand-in-claude.sh", import.meta.url));
const STATUSLINE_INPUT = JSON.stringify({
  session_id: "bench",
  model: { id: "claude-sonnet-4-5", display_name: "Sonnet" },
  workspace: { current_dir: repo },
});
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");

/** `npm pack` of this tree installed into a temp prefix; resolves with its `claude-fallback`. */
function installPacked(root) {
  const pack = execFileSync("npm", ["pack", "--silent", "--pack-destination", root], {
    cwd: repo,
    encoding: "utf8",
  });
  const tarball = join(root, pack.trim().split("\n").at(-1));
  const prefix = join(root, "prefix");
  execFileSync(
    "npm",
    ["install", "-g", "--prefix", prefix, tarball, "--no-audit", "--no-fund", "--prefer-offline"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return join(prefix, "bin", "claude-fallback");
}

/** Runs `command` to its end under /usr/bin/time; resolves with wall and CPU milliseconds. */
async function timed(command, args, { env, cwd, input = "" }, timesFile) {
  const t0 = performance.now();
  const child = spawn("/usr/bin/time", ["-f", "%U %S", "-o", timesFile, command, ...args], {
    env,
    cwd,
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text) => {
    stderr += text;
  });
  child.stdin.end(input);
  const [code] = await once(child, "exit");
  const wall = performance.now() - t0;
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`);
  const [user, system] = (await readFile(timesFile, "utf8")).trim().split("\n").at(-1).split(" ").map(Number);
  return { wall, cpu: (user + system) * 1000 };
}

/** Milliseconds from the start of `command` in a pty until Claude's prompt (❯) is on its screen. */
async function firstPrompt(command, args, { env, cwd }) {
  const term = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true });
  const t0 = performance.now();
  const child = pty.spawn(command, args, { name: "xterm-256color", cols: 120, rows: 40, cwd, env });
  const exited = new Promise((resolve) => child.onExit(resolve));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command}: no prompt after 60 s`)), 60_000);
      child.onData((data) =>
        term.write(data, () => {
          const buffer = term.buffer.active;
          for (let i = 0; i < buffer.length; i++) {
            if (buffer.getLine(i)?.translateToString(true).includes("❯")) {
              clearTimeout(timer);
              resolve(performance.now() - t0);
              return;
            }
          }
        }),
      );
    });
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    term.dispose();
  }
}

/**
 * Milliseconds from starting `command` until it has spawned the stand-in claude (stand-in-claude.sh
 * records the instant it starts): what a wrapper does before Claude can start, without Claude's
 * own start-up and its noise. In a pty when `inPty`.
 */
async function timeToSpawn(command, args, { env, cwd }, startedFile, inPty) {
  await rm(startedFile, { force: true });
  const t0 = Date.now();
  if (inPty) {
    const child = pty.spawn(command, args, { name: "xterm-256color", cols: 120, rows: 40, cwd, env });
    child.onData(() => {});
    await new Promise((resolve) => child.onExit(resolve));
  } else {
    const child = spawn(command, args, { env, cwd, stdio: "ignore" });
    await once(child, "exit");
  }
  const startedNs = BigInt((await readFile(startedFile, "utf8")).trim());
  return Number(startedNs / 1_000_000n) - t0;
}

/** Runs each of `paths` once per group, the order rotated each group; resolves with the samples per path. */
async function interleaved(paths) {
  const samples = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  const names = Object.keys(paths);
  for (let g = 0; g < GROUPS; g++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(g + k) % names.length];
      samples[name].push(await paths[name]());
    }
  }
  return samples;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** Median of the per-group differences `a[i] - b[i]`. */
const added = (a, b) => median(a.map((value, i) => value - b[i]));

const root = await mkdtemp(join(tmpdir(), "cf-bench-start-"));
const simulator = await startSimulator({ requireApiKey: KEY });
const loadBefore = load();
let box;
try {
  // dist/'s bin is not executable until npm installs it: run it with node.
  const [cli, ...cliArgs] = fromDist
    ? [process.execPath, join(repo, "dist", "bin", "claude-fallback.js")]
    : [installPacked(root)];
  const shipped = fromDist
    ? "dist/ of this tree"
    : `\`npm pack\` of this tree (${(await readdir(root)).find((f) => f.endsWith(".tgz"))}) installed with \`npm install -g --prefix <temp>\``;
  box = await sandbox(simulator.url, "cf-bench-start-home-", { api_key: KEY });
  const opts = { env: box.env, cwd: box.project };
  const timesFile = join(root, "times");
  const ours = (...args) => [cli, [...cliArgs, ...args]];
  const wrapped = (...args) => ours("--claude", claude, ...args);
  const run =
    ([command, args], extra = {}) =>
    () =>
      timed(command, args, { ...opts, ...extra }, timesFile);

  process.stderr.write("bench/start: -p\n");
  // A first run of each, unmeasured: claude's first start in a fresh HOME writes its files.
  for (const path of [
    [claude, ["-p", "hello"]],
    wrapped("--", "-p", "hello"),
    wrapped("--force-api", "--", "-p", "hello"),
  ])
    await run(path)();
  const floored = (...args) => [process.execPath, [floorScript, claude, ...args]];
  const print = await interleaved({
    bare: run([claude, ["-p", "hello"]]),
    floor: run(floored("-p", "hello")),
    wrapped: run(wrapped("--", "-p", "hello")),
    api: run(wrapped("--force-api", "--", "-p", "hello")),
  });

  process.stderr.write("bench/start: first prompt\n");
  const prompt = await interleaved({
    bare: () => firstPrompt(claude, [], opts),
    floor: () => firstPrompt(...floored(), opts),
    wrapped: () => firstPrompt(...wrapped(), opts),
  });

  process.stderr.write("bench/start: commands\n");
  const small = await interleaved({
    node: run([process.execPath, ["-e", ""]]),
    status: run(ours("status")),
    statusline: run(ours("statusline"), { input: STATUSLINE_INPUT }),
    version: run(ours("--version")),
  });

  process.stderr.write("bench/start: time to spawn Claude\n");
  const startedFile = join(root, "stand-in-started");
  const standInOpts = {
    ...opts,
    env: { ...box.env, STAND_IN_STARTED: startedFile, STAND_IN_VERSION: claudeVersion },
  };
  const standInWrapped = (...args) => ours("--claude", standIn, ...args);
  const spawnAt =
    (path, inPty = false) =>
    () =>
      timeToSpawn(...path, standInOpts, startedFile, inPty);
  const spawnPaths = {
    floor: spawnAt([process.execPath, [floorScript, standIn, "-p", "hello"]]),
    print: spawnAt(standInWrapped("--", "-p", "hello")),
    api: spawnAt(standInWrapped("--force-api", "--", "-p", "hello")),
    pty: spawnAt(standInWrapped(), true),
  };
  // Unmeasured first runs: the wrapper remembers the stand-in's version after its first start.
  for (const path of Object.values(spawnPaths)) await path();
  const spawned = await interleaved(spawnPaths);

  const wall = (samples) => samples.map((s) => s.wall);
  const cpu = (samples) => samples.map((s) => s.cpu);
  const ms = (value) => fmt(value, 0);
  const signed = (value) => `${value < 0 ? "−" : "+"}${ms(Math.abs(value))}`;
  const addedRow = (label, samples, bare, wallTarget, cpuTarget) => {
    const addedWall = added(wall(samples), wall(bare));
    const addedCpu = added(cpu(samples), cpu(bare));
    return [
      label,
      `${ms(median(wall(bare)))} / ${ms(median(cpu(bare)))}`,
      `${ms(median(wall(samples)))} / ${ms(median(cpu(samples)))}`,
      `${signed(addedWall)} / ${signed(addedCpu)}`,
      `${fmt(median(wall(samples)) / median(wall(bare)), 2)}×`,
      `wall ≤ +${wallTarget}, CPU ≤ +${cpuTarget}`,
      addedWall <= wallTarget && addedCpu <= cpuTarget ? "yes" : "NO",
    ];
  };
  const promptAdded = added(prompt.wrapped, prompt.bare);
  const floorPromptAdded = added(prompt.floor, prompt.bare);
  const nodeWall = median(wall(small.node));
  const commandRow = (label, samples, target) => {
    const ratio = median(wall(samples)) / nodeWall;
    return [
      label,
      `${ms(nodeWall)} / ${ms(median(cpu(small.node)))}`,
      `${ms(median(wall(samples)))} / ${ms(median(cpu(samples)))}`,
      `${signed(added(wall(samples), wall(small.node)))} / ${signed(added(cpu(samples), cpu(small.node)))}`,
      `${fmt(ratio, 2)}×`,
      target ? `≤ ${target}× \`node -e ''\`` : "",
      target ? (ratio <= target ? "yes" : "NO") : "",
    ];
  };

  console.log("## Start-up\n");
  console.log(
    `The pinned \`claude\` ${claudeVersion} against the simulator, bare, under a bare Node wrapper that only spawns it (bench/start/floor.mjs, the floor for any wrapper written in Node) and under claude-fallback — ${shipped} — in ${GROUPS} interleaved groups (every path once per group, the order rotated), after one unmeasured run of each. Wall from spawn to exit; CPU is user + system of the process and all it waited for (/usr/bin/time). Medians; "added" is the median of the per-group differences. "Claude spawned" rows: the wrapper runs a stand-in \`claude\` (bench/start/stand-in-claude.sh) that records the instant it starts and exits, so what the wrapper does before Claude can start is measured apart from Claude's own start and its noise, against the bare Node wrapper spawning the same stand-in. Load average (1, 5, 15 min): ${loadBefore} at the start, ${load()} at the end.\n`,
  );
  console.log(
    table(
      [
        "path",
        "bare: wall / CPU ms",
        "wrapped: wall / CPU ms",
        "added wall / CPU ms",
        "wall ratio",
        "target",
        "ok",
      ],
      [
        addedRow("`-p hello`, subscription", print.wrapped, print.bare, 100, 150),
        [
          "`-p hello` through a bare Node wrapper (bench/start/floor.mjs): the floor",
          `${ms(median(wall(print.bare)))} / ${ms(median(cpu(print.bare)))}`,
          `${ms(median(wall(print.floor)))} / ${ms(median(cpu(print.floor)))}`,
          `${signed(added(wall(print.floor), wall(print.bare)))} / ${signed(added(cpu(print.floor), cpu(print.bare)))}`,
          `${fmt(median(wall(print.floor)) / median(wall(print.bare)), 2)}×`,
          "",
          "",
        ],
        addedRow("`-p hello`, `--force-api` (vs bare `claude -p`)", print.api, print.bare, 150, 150),
        [
          "time to Claude's first prompt (❯) in a pty",
          ms(median(prompt.bare)),
          ms(median(prompt.wrapped)),
          signed(promptAdded),
          `${fmt(median(prompt.wrapped) / median(prompt.bare), 2)}×`,
          "wall ≤ +100",
          promptAdded <= 100 ? "yes" : "NO",
        ],
        [
          "first prompt through a bare Node wrapper: the floor",
          ms(median(prompt.bare)),
          ms(median(prompt.floor)),
          signed(floorPromptAdded),
          `${fmt(median(prompt.floor) / median(prompt.bare), 2)}×`,
          "",
          "",
        ],
        ...[
          ["`-p hello`", spawned.print],
          ["`-p hello`, `--force-api`", spawned.api],
          ["interactive, in a pty", spawned.pty],
        ].map(([label, samples]) => [
          `Claude spawned, ms after start: ${label} (a stand-in claude; bare Node wrapper alike)`,
          ms(median(spawned.floor)),
          ms(median(samples)),
          signed(added(samples, spawned.floor)),
          `${fmt(median(samples) / median(spawned.floor), 2)}×`,
          "",
          "",
        ]),
        commandRow("`claude-fallback status` (vs `node -e ''`)", small.status, 1.5),
        commandRow("`claude-fallback statusline` (vs `node -e ''`)", small.statusline),
        commandRow("`claude-fallback --version` (vs `node -e ''`)", small.version),
      ],
    ),
  );
  console.log("");
} finally {
  await simulator.close();
  await rm(root, { recursive: true, force: true });
  if (box) await rm(box.root, { recursive: true, force: true });
}

// bench/hooks: the cost of our injection on Claude Code's hot paths (SPEC §4.2): the round trip of
// an `http` hook to the wrapper, and the wall time of our status-line and SessionStart scripts,
// next to a bare `/bin/sh -c` and a `node` start measured in the same run. Prints a Markdown section.
// Usage: npm run build && node bench/hooks/run.mjs [--quick]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { writeInjection, writeSegmentFile } from "../../dist/hooks/settings.js";
import { createRunDir } from "../../dist/hooks/spool.js";
import { fmt, summarize, table } from "../lib/stats.mjs";

const quick = process.argv.includes("--quick");
const HOOK_REQUESTS = quick ? 200 : 1000;
const SCRIPT_RUNS = quick ? 50 : 200;
const NODE_RUNS = quick ? 10 : 50;
const wrapperScript = fileURLToPath(new URL("./wrapper-process.mjs", import.meta.url));

const sessionId = "5f0c3a52-8d7e-4a52-9d39-0c1e7c5b2a11";
const transcriptPath = `/home/dev/.claude/projects/-home-dev-project/${sessionId}.jsonl`;
const stopHook = JSON.stringify({
  session_id: sessionId,
  transcript_path: transcriptPath,
  cwd: "/home/dev/project",
  permission_mode: "default",
  hook_event_name: "Stop",
  prompt_id: "9b1d2c3e-4f50-4a6b-8c7d-8e9f0a1b2c3d",
  stop_hook_active: false,
  last_assistant_message: `I updated the parser and added tests. ${"All 42 tests pass. ".repeat(20)}`,
});
const sessionStart = JSON.stringify({
  session_id: sessionId,
  transcript_path: transcriptPath,
  cwd: "/home/dev/project",
  hook_event_name: "SessionStart",
  source: "startup",
});
const statusInput = JSON.stringify({
  hook_event_name: "Status",
  session_id: sessionId,
  transcript_path: transcriptPath,
  cwd: "/home/dev/project",
  model: { id: "claude-sonnet-4-5-20250929", display_name: "Sonnet 4.5" },
  workspace: { current_dir: "/home/dev/project", project_dir: "/home/dev/project" },
  version: "2.1.330",
  output_style: { name: "default" },
  cost: { total_cost_usd: 1.2345, total_duration_ms: 456789, total_api_duration_ms: 123456 },
  context_window: { total_input_tokens: 48213, total_output_tokens: 5121, context_window_size: 200000 },
  exceeds_200k_tokens: false,
  rate_limits: {
    five_hour: { used_percentage: 63, resets_at: Math.floor(Date.now() / 1000) + 3 * 3600 },
    seven_day: { used_percentage: 21, resets_at: String(Math.floor(Date.now() / 1000) + 4 * 86400) },
  },
});

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

async function startWrapper(runDir) {
  const child = spawn(process.execPath, [wrapperScript, runDir], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error("the wrapper process exited before printing its URL");
  return {
    ...JSON.parse(first.value),
    async stop() {
      child.kill("SIGTERM");
      const counts = await lines.next();
      await once(child, "exit").catch(() => {});
      return counts.done ? null : JSON.parse(counts.value);
    },
  };
}

function post(url, secret, agent) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(stopHook),
          authorization: `Bearer ${secret}`,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(stopHook);
  });
}

async function hookRoundTrips(wrapper, agent) {
  const target = `${wrapper.url}/hook/Stop`;
  for (let i = 0; i < 20; i++) await post(target, wrapper.secret, agent);
  const samples = [];
  for (let i = 0; i < HOOK_REQUESTS; i++) {
    const start = process.hrtime.bigint();
    await post(target, wrapper.secret, agent);
    samples.push(ms(start));
  }
  return summarize(samples);
}

/** Runs a command as Claude Code does (`/bin/sh -c`, JSON on stdin), until it has exited and closed its output. */
function runCommand(command, input, cwd) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn("/bin/sh", ["-c", command], { cwd, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", () => resolve({ wall: ms(start), out }));
    // A command that does not read its input may close the pipe first: that is fine.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/** Each variant in turn, round after round, so that a change in machine load hits all of them alike. */
async function interleaved(variants, runs) {
  const samples = variants.map(() => []);
  for (let round = -3; round < runs; round++) {
    for (const [index, variant] of variants.entries()) {
      if (variant.runs !== undefined && round >= variant.runs) continue;
      const { wall, out } = await runCommand(variant.command, variant.input, variant.cwd);
      if (variant.expect !== undefined && out !== variant.expect) {
        throw new Error(`${variant.name}: unexpected output ${JSON.stringify(out)}`);
      }
      if (round >= 0) samples[index].push(wall);
    }
  }
  return samples.map(summarize);
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), "cf-bench-hooks-"));
  const rows = [];
  const row = (what, stats, target) => {
    rows.push([what, String(stats.n), fmt(stats.p50, 2), fmt(stats.p99, 2), target]);
    process.stderr.write(`${what}: p50 ${fmt(stats.p50, 2)} ms, p99 ${fmt(stats.p99, 2)} ms\n`);
  };
  try {
    const project = join(root, "project");
    await mkdir(project);
    const segment = "SUB 63% ⟳15:00";
    const runs = {};
    for (const name of ["plain", "user"]) runs[name] = await createRunDir(join(root, "runtime"), name);
    // The wrapper watches the run with the user's status line; the other exists for comparison.
    const wrapper = await startWrapper(runs.user.path);
    const hookServer = { url: wrapper.url, secret: wrapper.secret };
    const settings = {};
    for (const [name, run] of Object.entries(runs)) {
      const userStatusLine = name === "user" ? { command: "echo hi" } : null;
      await writeInjection({ runDir: run.path, hookServer, userStatusLine });
      await writeSegmentFile(run.segmentFile, segment);
      settings[name] = JSON.parse(await readFile(run.settingsFile, "utf8"));
    }

    row(
      "`http` hook round trip, kept-alive connection (as Claude Code sends them)",
      await hookRoundTrips(wrapper, new Agent({ keepAlive: true, maxSockets: 1 })),
      "≤ 20",
    );
    row("`http` hook round trip, a fresh connection each", await hookRoundTrips(wrapper, false), "≤ 20");

    const variants = [
      {
        name: "our status line, no user status line",
        command: settings.plain.statusLine.command,
        input: statusInput,
        expect: `${segment}\n`,
        target: "≤ 30",
      },
      {
        name: "our status line, user status line `echo hi`",
        command: settings.user.statusLine.command,
        input: statusInput,
        expect: `hi ${segment}\n`,
        target: "≤ 30",
      },
      {
        name: "our SessionStart command hook (spool file)",
        command: settings.user.hooks.SessionStart[0].hooks[0].command,
        input: sessionStart,
        expect: "",
        target: "—",
      },
      { name: "baseline: `/bin/sh -c 'echo hi'`", command: "echo hi", input: statusInput, target: "—" },
      {
        name: "baseline: `node -e ''` (what a `node` hook would cost)",
        command: `${JSON.stringify(process.execPath)} -e ''`,
        input: "",
        runs: NODE_RUNS,
        target: "—",
      },
    ].map((variant) => ({ cwd: project, ...variant }));
    const results = await interleaved(variants, SCRIPT_RUNS);
    for (const [index, variant] of variants.entries()) row(variant.name, results[index], variant.target);
    const counts = await wrapper.stop();

    const shell = await realpath("/bin/sh").catch(() => "/bin/sh");
    const load = loadavg()
      .map((value) => value.toFixed(1))
      .join(" ");
    console.log("## Hooks and status line\n");
    console.log(
      `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${load}; ` +
        `\`/bin/sh\` is ${shell}. Wall-clock ms. Hook round trip: one POST of a realistic \`Stop\` hook ` +
        `(${stopHook.length} B) to the hook server in a separate "wrapper" process, until its \`200 {}\`. ` +
        "Scripts: started as Claude Code starts them (`/bin/sh -c <command>`, JSON on stdin " +
        `(${statusInput.length} B)) until exit and end of output, all variants interleaved, while the ` +
        "wrapper process watches the spool. Targets from SPEC §4.2.\n",
    );
    console.log(table(["measurement", "n", "p50 ms", "p99 ms", "target ms"], rows));
    if (counts) {
      console.log(
        `\nThe wrapper process received ${counts.hooks} hooks, ${counts.events} SessionStart events and ` +
          `${counts.statusLines} status-line versions (bursts coalesce to the latest), ${counts.garbage} garbage.`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();

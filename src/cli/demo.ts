import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { claudeVersion } from "../claude/locate.js";
import { locateDemoClaude } from "../demo/locate.js";
import { DEMO_STEPS, failLine, storyHolds, summaryLines } from "../demo/narration.js";
import { type DemoOutput, DemoRun, DemoStepError } from "../demo/run.js";
import { createDemoSandbox, DEMO_API_KEY, type DemoSandbox } from "../demo/sandbox.js";
import { withoutScreenSwitches } from "../demo/screen.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import { startSimulator } from "../simulator/index.js";
import { type ContextOptions, loadContext } from "./context.js";

/** How long the simulator's subscription limit lasts in the demo, and the wrapper's grace after it. */
const RESET_SECONDS = 8;
const RESET_GRACE_SECONDS = 1;

/** Leaves what Claude may have turned on (mouse, bracketed paste, focus events, hidden cursor), then the alternate screen. */
const LEAVE_SCREEN =
  "\x1b[0m\x1b[r\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[?25h\x1b[?1049l";

function findClaude(opts: ContextOptions): string {
  let configured: string | undefined;
  if (!opts.claude) {
    try {
      configured = loadContext(opts).config.claude_path;
    } catch (error) {
      // Only a config the user named on the command line must be valid for the demo.
      if (opts.config) throw error;
    }
  }
  return locateDemoClaude({ flag: opts.claude, configured, env: process.env });
}

/** A terminal view: the wrapper's screen live, the current narration line at the bottom. */
function terminalOutput(log: string[]): DemoOutput & { enter(): void; leave(): void } {
  const cols = process.stdout.columns || 100;
  const rows = Math.max((process.stdout.rows || 30) - 1, 10);
  let current = "";
  let inside = false;
  const drawStatus = () => {
    const text = current.length > cols - 1 ? `${current.slice(0, cols - 2)}…` : current;
    process.stdout.write(`\x1b7\x1b[${rows + 1};1H\x1b[0m\x1b[2K\x1b[1;7m${text}\x1b[0m\x1b8`);
  };
  return {
    cols,
    rows,
    say(line) {
      log.push(line);
      current = line.trim();
      if (inside) drawStatus();
    },
    mirror(data) {
      if (!inside) return;
      // The demo owns the alternate screen: the wrapper's own enter/leave (at a switch, at exit) stay out.
      process.stdout.write(withoutScreenSwitches(data));
      drawStatus();
    },
    enter() {
      inside = true;
      process.stdout.write("\x1b[?1049h\x1b[2J\x1b[H");
      drawStatus();
    },
    leave() {
      if (!inside) return;
      inside = false;
      process.stdout.write(LEAVE_SCREEN);
    },
  };
}

function plainOutput(log: string[]): DemoOutput {
  return {
    cols: 120,
    rows: 40,
    say(line) {
      log.push(line);
      process.stdout.write(`${line}\n`);
    },
  };
}

/**
 * `claude-fallback demo` (SPEC §9): the whole story offline — the simulator in this process, the
 * real `claude` under the real wrapper in a pseudo-terminal, a temporary sandbox — narrated step
 * by step, then a summary. Resolves with the exit code: 0 when the story held, 1 when a step
 * failed, 130 when interrupted.
 */
export async function runDemo(opts: ContextOptions): Promise<number> {
  const claudePath = findClaude(opts);
  const version = await claudeVersion(claudePath);
  const tty = process.stdout.isTTY === true;
  const log: string[] = [];
  const view = tty ? terminalOutput(log) : undefined;
  const output = view ?? plainOutput(log);
  const intro = `claude-fallback demo — offline: a local API simulator, the real Claude Code ${version ?? "(version unknown)"} (${claudePath}), the real wrapper`;
  if (!tty) output.say(intro);

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) process.on(signal, onSignal);
  const stdin = process.stdin;
  const onKey = (chunk: Buffer) => {
    if (chunk.includes(0x03) || chunk.includes(0x1c)) abort.abort();
  };
  const rawInput = tty && stdin.isTTY === true;
  if (rawInput) {
    stdin.setRawMode(true);
    stdin.on("data", onKey);
    stdin.resume();
  }

  const simulator = await startSimulator({
    requireApiKey: DEMO_API_KEY,
    limitAfterRequests: 1,
    resetInSeconds: RESET_SECONDS,
  });
  let sandbox: DemoSandbox | undefined;
  let demo: DemoRun | undefined;
  const restore = () => {
    demo?.killNow();
    view?.leave();
    if (rawInput) stdin.setRawMode(false);
    sandbox?.cleanup();
  };
  const unregister = onProcessExit(restore);
  try {
    sandbox = createDemoSandbox({
      baseUrl: simulator.url,
      claudeVersion: version,
      userEnv: process.env,
      resetGraceSeconds: RESET_GRACE_SECONDS,
    });
    demo = new DemoRun({
      simulator,
      sandbox,
      claudePath,
      wrapperBin: fileURLToPath(new URL("../bin/claude-fallback.js", import.meta.url)),
      output,
      signal: abort.signal,
      resetSeconds: RESET_SECONDS,
    });
    view?.enter();
    let facts: Awaited<ReturnType<DemoRun["run"]>>;
    try {
      facts = await demo.run();
    } finally {
      await demo.stop();
      view?.leave();
    }
    if (view) process.stdout.write(`${[intro, ...log].join("\n")}\n`);
    process.stdout.write(`\n${summaryLines(facts).join("\n")}\n`);
    return storyHolds(facts) ? 0 : 1;
  } catch (error) {
    view?.leave();
    if (view) process.stdout.write(`${[intro, ...log].join("\n")}\n`);
    const step = log.filter((line) => line.startsWith("▶")).length;
    const message = error instanceof Error ? error.message : String(error);
    if (abort.signal.aborted) {
      process.stderr.write(
        "claude-fallback demo: interrupted; everything it started is stopped and removed\n",
      );
      return 130;
    }
    process.stdout.write(`${failLine(message)}\n`);
    process.stderr.write(`claude-fallback demo: step ${step}/${DEMO_STEPS.length} failed: ${message}\n`);
    if (error instanceof DemoStepError) {
      if (error.screen.length > 0) process.stderr.write(`  last screen lines:\n${indent(error.screen)}\n`);
      if (error.trace.length > 0) process.stderr.write(`  last wrapper events:\n${indent(error.trace)}\n`);
    }
    return 1;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    if (rawInput) {
      stdin.off("data", onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    await simulator.close();
    restore();
    unregister();
  }
}

function indent(lines: string[]): string {
  return lines.map((line) => `    ${line}`).join("\n");
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole story offline, in under a minute: a session on the subscription hits the limit, switches to API billing, continues, shows the cost, reverts at the reset",
    )
    .addHelpText(
      "after",
      "\nNeeds the real Claude Code: --claude PATH, else claude_path, else claude on PATH, else this package's node_modules/.bin/claude.\nNothing leaves this machine: the API is a local simulator and everything runs in a temporary directory.",
    )
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await runDemo(command.optsWithGlobals<ContextOptions>());
    });
}

import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import ts from "typescript";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive } from "../../test/support/processes.js";
import { onProcessExit, runExitCleanups } from "../platform/exit-hooks.js";
import { TerminalGuard } from "./tty.js";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

describe("exit hooks", () => {
  test("run newest first, once, errors swallowed; listeners only while something is registered", () => {
    const exitListeners = process.listenerCount("exit");
    const ran: string[] = [];
    onProcessExit(() => ran.push("terminal"));
    onProcessExit(() => {
      throw new Error("ignored");
    });
    const unregister = onProcessExit(() => ran.push("never"));
    onProcessExit(() => ran.push("child"));
    unregister();
    expect(process.listenerCount("exit")).toBe(exitListeners + 1);
    expect(process.listenerCount("SIGHUP")).toBeGreaterThan(0);
    runExitCleanups();
    runExitCleanups();
    expect(ran).toEqual(["child", "terminal"]);
    expect(process.listenerCount("exit")).toBe(exitListeners);
  });
});

describe("TerminalGuard (fake input, output not a terminal)", () => {
  const fakeInput = () => {
    const calls: boolean[] = [];
    const input = {
      isTTY: true,
      isRaw: false,
      setRawMode(mode: boolean) {
        calls.push(mode);
        input.isRaw = mode;
        return input;
      },
    };
    return { input: input as unknown as NodeJS.ReadStream, calls };
  };

  test("raw mode on enter, off on restore, idempotent both ways", () => {
    const { input, calls } = fakeInput();
    const scratch = mkdtempSync(join(tmpdir(), "guard-"));
    const file = join(scratch, "out");
    writeFileSync(file, "");
    const fd = openSync(file, "w");
    try {
      const guard = new TerminalGuard({ input, outputFd: fd });
      guard.enter();
      guard.enter();
      expect(guard.active).toBe(true);
      guard.modes.feed(Buffer.from("\x1b[?1049h"));
      guard.restore();
      guard.restore();
      expect(calls).toEqual([true, false]);
      expect(guard.active).toBe(false);
      // Not a terminal: no escape sequences written into a file or pipe.
      expect(readFileSync(file, "utf8")).toBe("");
      expect(guard.modes.altScreen).toBe(false);
    } finally {
      closeSync(fd);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test("restore runs on process exit clean-ups", () => {
    const { input, calls } = fakeInput();
    const guard = new TerminalGuard({ input, outputFd: 2, saveTitle: false });
    guard.enter();
    runExitCleanups();
    expect(calls).toEqual([true, false]);
    expect(guard.active).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The real thing: a harness process whose stdin and stdout are a pseudo-terminal (ours), running
// a child in its own pty through TerminalGuard and PtyChild; every exit path must leave our
// terminal exactly as it found it (`stty -g`) and with the child's modes undone (on screen).

const HARNESS = `
import { TerminalGuard } from "./tty.js";
import { PtyChild, exitStatus } from "./pty-child.js";

const scenario = process.argv[2];
const modes = "\\\\033[?1049h\\\\033[?1000h\\\\033[?1002h\\\\033[?1003h\\\\033[?1006h\\\\033[?1004h\\\\033[?2004h\\\\033[?25l\\\\033[>1u\\\\033[?2026h";
const ending = scenario === "normal" ? "read line; exit 3" : scenario === "crash" ? "read line; kill -SEGV $$" : "exec sleep 1000";
const script = "printf '" + modes + "'; printf CHILD-READY; " + ending;

const guard = new TerminalGuard();
guard.enter();
const child = PtyChild.spawn({ file: "/bin/sh", args: ["-c", script] });
let seen = "";
child.onData((chunk) => {
  guard.modes.feed(chunk);
  process.stdout.write(chunk);
  if (seen !== null) {
    seen += chunk.toString("latin1");
    if (seen.includes("CHILD-READY")) {
      seen = null;
      process.stdout.write("HARNESS-READY pid=" + process.pid + " child=" + child.pid + ";");
    }
  }
});
process.stdin.on("data", (data) => {
  if (data.includes(0x21)) {
    if (scenario === "exception") throw new Error("boom from the harness");
    if (scenario === "exit") process.exit(5);
  }
  child.write(data);
});
child.exited.then((exit) => {
  guard.restore();
  process.exit(exitStatus(exit));
});
`;

/** Our terminal modules as plain JavaScript, in their folders beside the harness (Node 20 cannot import .ts). */
function buildHarness(directory: string): string {
  const nodePty = pathToFileURL(require.resolve("@lydell/node-pty")).href;
  for (const module of [
    "platform/exit-hooks",
    "platform/child",
    "terminal/modes",
    "terminal/mode-sequences",
    "terminal/csi",
    "terminal/tty",
    "terminal/pty-drain",
    "terminal/pty-child",
  ]) {
    const source = readFileSync(join(here, "..", `${module}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(join(directory, dirname(module)), { recursive: true });
    writeFileSync(
      join(directory, `${module}.js`),
      outputText.replaceAll('"@lydell/node-pty"', JSON.stringify(nodePty)),
    );
  }
  const harness = join(directory, "terminal", "harness.mjs");
  writeFileSync(harness, HARNESS);
  return harness;
}

/** Runs the harness under `sh` in a pty, with `stty -g` before and after and the exit status. */
const OUTER_SCRIPT =
  "ulimit -c 0 2>/dev/null; printf 'BEFORE<'; stty -g; printf '>'; " +
  "\"$0\" \"$1\" \"$2\"; printf 'STATUS<%s>' $?; printf 'AFTER<'; stty -g; printf '>'";

interface OuterRun {
  process: pty.IPty;
  screen: InstanceType<typeof xterm.Terminal>;
  raw: string;
  exited: Promise<void>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

let scratch: string;
let harness: string;
const outerRuns: OuterRun[] = [];
const harnessChildren: number[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tty-harness-"));
  harness = buildHarness(scratch);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  for (const run of outerRuns.splice(0)) {
    try {
      process.kill(-run.process.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await run.exited;
    run.screen.dispose();
  }
  for (const pid of harnessChildren.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone: what the tests expect.
    }
  }
});

function runHarness(scenario: string): OuterRun {
  const screen = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true, scrollback: 1000 });
  const child = pty.spawn("/bin/sh", ["-c", OUTER_SCRIPT, process.execPath, harness, scenario], {
    name: "xterm-256color",
    cols: 80,
    rows: 24,
    cwd: scratch,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, TERM: "xterm-256color" },
  });
  const waiters = new Set<() => void>();
  let done = false;
  const run: OuterRun = {
    process: child,
    screen,
    raw: "",
    exited: new Promise((resolve) => {
      child.onExit(() => {
        // Let the emulator finish parsing before anyone looks at the screen.
        screen.write("", () => {
          done = true;
          for (const waiter of [...waiters]) waiter();
          resolve();
        });
      });
    }),
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(run.raw);
          if (match) {
            finish();
            resolve(match);
          } else if (done) {
            finish();
            reject(new Error(`${pattern} never appeared; output: ${JSON.stringify(run.raw)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${pattern}; output: ${JSON.stringify(run.raw)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  child.onData((data) => {
    run.raw += data;
    screen.write(data, () => {
      for (const waiter of [...waiters]) waiter();
    });
  });
  outerRuns.push(run);
  return run;
}

const scenarios: {
  name: string;
  scenario: string;
  trigger: (run: OuterRun, pid: number) => void;
  status: number;
}[] = [
  {
    name: "the child exits normally",
    scenario: "normal",
    trigger: (run) => run.process.write("\r"),
    status: 3,
  },
  { name: "the child crashes", scenario: "crash", trigger: (run) => run.process.write("\r"), status: 139 },
  { name: "SIGINT to us", scenario: "signal", trigger: (_, pid) => process.kill(pid, "SIGINT"), status: 130 },
  {
    name: "SIGTERM to us",
    scenario: "signal",
    trigger: (_, pid) => process.kill(pid, "SIGTERM"),
    status: 143,
  },
  { name: "SIGHUP to us", scenario: "signal", trigger: (_, pid) => process.kill(pid, "SIGHUP"), status: 129 },
  {
    name: "SIGQUIT to us",
    scenario: "signal",
    trigger: (_, pid) => process.kill(pid, "SIGQUIT"),
    status: 131,
  },
  {
    name: "an uncaught exception",
    scenario: "exception",
    trigger: (run) => run.process.write("!"),
    status: 1,
  },
  {
    name: "process.exit() with the child running",
    scenario: "exit",
    trigger: (run) => run.process.write("!"),
    status: 5,
  },
];

describe("TerminalGuard + PtyChild on a real terminal, every exit path", () => {
  for (const { name, scenario, trigger, status } of scenarios) {
    test(`${name}: terminal state and modes restored, child gone`, { timeout: 60_000 }, async () => {
      const run = runHarness(scenario);
      const ready = await run.waitFor(/HARNESS-READY pid=(\d+) child=(\d+);/);
      const harnessPid = Number(ready[1]);
      const childPid = Number(ready[2]);
      harnessChildren.push(childPid);
      const before = (await run.waitFor(/BEFORE<([^\r\n>]*)[\r\n]/))[1];
      // While it runs: raw mode on our terminal, the child's modes on the screen.
      expect(run.screen.buffer.active.type).toBe("alternate");
      expect(run.screen.modes.mouseTrackingMode).toBe("any");
      expect(alive(childPid)).toBe(true);

      trigger(run, harnessPid);
      const after = (await run.waitFor(/AFTER<([^\r\n>]*)[\r\n]/))[1];
      await run.exited;

      expect(Number(/STATUS<(\d+)>/.exec(run.raw)?.[1])).toBe(status);
      expect(after).toBe(before);
      const screen = run.screen;
      expect(screen.buffer.active.type).toBe("normal");
      expect(screen.modes).toMatchObject({
        mouseTrackingMode: "none",
        bracketedPasteMode: false,
        sendFocusMode: false,
        synchronizedOutputMode: false,
      });
      const afterChild = run.raw.slice(run.raw.indexOf("CHILD-READY"));
      expect(afterChild).toContain("\x1b[<1u"); // the kitty flags the child pushed, popped
      expect(afterChild.lastIndexOf("\x1b[?25h")).toBeGreaterThan(afterChild.lastIndexOf("\x1b[?25l"));
      await eventually(() => !alive(childPid), "the harness's child to die");
      if (scenario === "exception") {
        // Restored before Node printed the error, so it is on the normal screen for the user.
        const lines: string[] = [];
        for (let row = 0; row < screen.buffer.active.length; row++) {
          lines.push(screen.buffer.active.getLine(row)?.translateToString(true) ?? "");
        }
        expect(lines.join("\n")).toContain("boom from the harness");
      }
    });
  }
});

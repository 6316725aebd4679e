import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { shellQuote } from "../shell.js";
import {
  type InjectedSettings,
  injectedSettings,
  isOwnStatusLineCommand,
  scriptCommand,
  segmentLine,
  writeInjection,
  writeSegmentFile,
} from "./settings.js";
import { TEMP_FILE } from "./settings-scripts.js";
import { createRunDir, type RunDir, sweepTempFiles } from "./spool.js";

let root: string;
let run: RunDir;
let project: string;
const children: ChildProcess[] = [];
const hookServer = { url: "http://127.0.0.1:43210", secret: "cf-hook-secret" };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "cf-settings-"));
  // A hostile run directory name: quoting must hold in every script and command.
  run = createRunDir(join(root, `run time it's $HOME \`x\``), "run-1");
  project = join(root, "project");
  mkdirSync(project);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(root, { recursive: true, force: true });
});

const hasDash = existsSync("/bin/dash") || existsSync("/usr/bin/dash");
/** How each shell runs a script: the `sh` Claude Code uses, and others a user's `/bin/sh` may be. */
const shells: { name: string; argv: string[] }[] = [
  { name: "/bin/sh", argv: ["/bin/sh"] },
  ...(hasDash ? [{ name: "dash", argv: ["dash"] }] : []),
  { name: "bash --posix", argv: ["bash", "--posix"] },
];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(argv: string[], script: string, input: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, [...argv.slice(1), script], {
      cwd: project,
      env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** What Claude Code would have shown for the user's own status line: `/bin/sh -c` in the project. */
function reference(command: string, input: string): string {
  return execFileSync("/bin/sh", ["-c", command], { cwd: project, input, encoding: "utf8" });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const statusInput = JSON.stringify({
  session_id: "11111111-2222-4333-8444-555555555555",
  transcript_path: "/home/u/.claude/projects/-p/11111111.jsonl",
  cwd: "/p",
  model: { id: "claude-sonnet-4-5", display_name: "Sonnet 4.5" },
  cost: { total_cost_usd: 0.42 },
  rate_limits: { five_hour: { used_percentage: 63, resets_at: 1_900_000_000 } },
  note: 'quotes " and $(touch pwned) and `backticks` and \\n',
});

describe("the injected settings.json", () => {
  test("has our http hooks, the SessionStart command hook and our status line, exactly", () => {
    const settings = injectedSettings({ runDir: run.path, hookServer, userStatusLine: null });
    const http = (event: string) => [
      {
        hooks: [
          {
            type: "http",
            url: `http://127.0.0.1:43210/hook/${event}`,
            headers: { Authorization: "Bearer cf-hook-secret" },
            timeout: 5,
          },
        ],
      },
    ];
    expect(settings).toEqual({
      hooks: {
        SessionStart: [
          { hooks: [{ type: "command", command: scriptCommand(run.sessionStartScript), timeout: 10 }] },
        ],
        UserPromptSubmit: http("UserPromptSubmit"),
        Stop: http("Stop"),
        StopFailure: http("StopFailure"),
      },
      statusLine: { type: "command", command: scriptCommand(run.statusLineScript), padding: 0 },
    });
    expect(scriptCommand("/run/a b/statusline.sh")).toBe("exec /bin/sh '/run/a b/statusline.sh'");
  });

  test("without the SessionStart hook when told so: neither in the settings nor as a script", async () => {
    const dir = createRunDir(join(root, "no-session-start"), "r");
    const settingsFile = writeInjection({
      runDir: dir.path,
      hookServer,
      userStatusLine: null,
      sessionStartHook: false,
    });
    const settings = JSON.parse(readFileSync(settingsFile, "utf8")) as InjectedSettings;
    expect(Object.keys(settings.hooks).sort()).toEqual(["Stop", "StopFailure", "UserPromptSubmit"]);
    expect(existsSync(dir.sessionStartScript)).toBe(false);
    expect(existsSync(dir.statusLineScript)).toBe(true);
  });

  test("keeps the user's padding, refreshInterval and hideVimModeIndicator", () => {
    const settings = injectedSettings({
      runDir: run.path,
      hookServer,
      userStatusLine: { command: "x", padding: 2, refreshInterval: 10, hideVimModeIndicator: true },
    });
    expect(settings.statusLine).toEqual({
      type: "command",
      command: scriptCommand(run.statusLineScript),
      padding: 2,
      refreshInterval: 10,
      hideVimModeIndicator: true,
    });
  });

  test("merges a user's own --settings: their keys and hooks stay, ours are added after theirs", () => {
    const theirs = { type: "command", command: "their-stop-hook" };
    const settings = injectedSettings({
      runDir: run.path,
      hookServer,
      userStatusLine: null,
      userFlagSettings: {
        model: "opus",
        permissions: { allow: ["Bash(ls)"] },
        hooks: { Stop: [{ hooks: [theirs] }], PreToolUse: [{ matcher: "Bash", hooks: [theirs] }] },
        statusLine: { type: "command", command: "replaced-by-ours" },
      },
    });
    expect(settings.model).toBe("opus");
    expect(settings.permissions).toEqual({ allow: ["Bash(ls)"] });
    expect(settings.hooks.PreToolUse).toEqual([{ matcher: "Bash", hooks: [theirs] }]);
    expect(settings.hooks.Stop).toHaveLength(2);
    expect(settings.hooks.Stop?.[0]).toEqual({ hooks: [theirs] });
    expect(settings.hooks.Stop?.[1]?.hooks[0]).toMatchObject({
      type: "http",
      url: `${hookServer.url}/hook/Stop`,
    });
    expect(settings.statusLine.command).toBe(scriptCommand(run.statusLineScript));
  });

  test("writeInjection writes 0600 settings and 0700 scripts and returns the settings path", async () => {
    const path = writeInjection({
      runDir: run.path,
      hookServer,
      userStatusLine: { command: "echo hi" },
    });
    expect(path).toBe(run.settingsFile);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(
      injectedSettings({ runDir: run.path, hookServer, userStatusLine: { command: "echo hi" } }),
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const script of [run.statusLineScript, run.sessionStartScript]) {
      expect(statSync(script).mode & 0o777).toBe(0o700);
      const text = readFileSync(script, "utf8");
      expect(text.startsWith("#!/bin/sh\n")).toBe(true);
      expect(text).not.toMatch(/\bnode\b|\[\[|\bfunction\b|\blocal\b|\$'|<<<|\bsource\b/);
    }
    // Written again (a restart of claude): replaced in place, nothing left over.
    writeInjection({ runDir: run.path, hookServer, userStatusLine: null });
    expect(readdirSync(run.path).filter((name) => name.startsWith("."))).toEqual([]);
  });
});

describe.each(shells)("the status-line script under $name", ({ argv }) => {
  async function statusLine(
    userCommand: string | null,
    segment: string | null,
    options: { input?: string } = {},
  ) {
    writeInjection({
      runDir: run.path,
      hookServer,
      userStatusLine: userCommand === null ? null : { command: userCommand },
    });
    if (segment !== null) await writeSegmentFile(run.segmentFile, segment);
    const input = options.input ?? statusInput;
    const result = await runScript(argv, run.statusLineScript, input);
    return { ...result, input };
  }

  test("without a user status line: saves the input byte for byte and prints our segment", async () => {
    const result = await statusLine(null, "SUB 63% ⟳15:00");
    expect(result).toMatchObject({ code: 0, stdout: "SUB 63% ⟳15:00\n", stderr: "" });
    expect(readFileSync(run.statusLineFile, "utf8")).toBe(statusInput);
    expect(readdirSync(run.tempDir)).toEqual([]);
  });

  test("saves any input exactly, whatever its line breaks", async () => {
    for (const input of ["", "{}", "{}\n", "a\n\nb", "  lead\\ing \\n\n\ttab\r\n", "x".repeat(20_000)]) {
      await statusLine(null, null, { input });
      expect(readFileSync(run.statusLineFile, "utf8"), JSON.stringify(input).slice(0, 40)).toBe(input);
    }
  });

  test("without a segment file and without a user status line it prints nothing", async () => {
    const result = await statusLine(null, null);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readFileSync(run.statusLineFile, "utf8")).toBe(statusInput);
  });

  test("runs the user's status line with the same input in the project directory, then our segment", async () => {
    const result = await statusLine('printf "%s|" "$(pwd)"; cat', "SEG");
    expect(result.stdout).toBe(`${project}|${statusInput} SEG\n`);
    expect(result.code).toBe(0);
  });

  test("appends to the user's last line; keeps their other lines; drops trailing blank lines", async () => {
    const result = await statusLine("printf 'line one\\n  line two  \\n\\n\\n'", "SEG");
    expect(result.stdout).toBe("line one\n  line two   SEG\n");
  });

  test("shows the user's output alone without a segment file, and our segment alone without their output", async () => {
    expect((await statusLine("echo hi", null)).stdout).toBe("hi\n");
    expect((await statusLine("true", "SEG")).stdout).toBe("SEG\n");
    expect((await statusLine("exit 3", "SEG")).stdout).toBe("SEG\n");
    await writeSegmentFile(run.segmentFile, "");
    expect((await runScript(argv, run.statusLineScript, statusInput)).stdout).toBe("");
  });

  const hostile = [
    `printf '%s\\n' "it's \\"quoted\\""`,
    "echo '$HOME' \"$0\" `echo tick` $(echo dollar) \\\\back",
    "x='multi\nline'; printf '%s\\n' \"$x\"",
    "echo ';' '&&' '|' '>' '<' '*' '?' '[a]' '#' '~' '!'",
    "printf '\\033[1;32mgreen\\033[0m %s\\n' \"$(cat | head -c 15)\"",
    "case x in x) echo 'case)';; esac",
    "echo $CLAUDE_FALLBACK_STATUSLINE",
    "'",
  ];
  test.each(hostile)(
    "hostile user command %#: exactly what /bin/sh -c shows, then our segment",
    async (command) => {
      const result = await statusLine(command, "SEG");
      let expected = "";
      try {
        expected = reference(command, statusInput);
      } catch (error) {
        expected = (error as { stdout: string }).stdout;
      }
      expected = expected.replace(/\n+$/, "");
      if (command.includes("CLAUDE_FALLBACK_STATUSLINE")) expected = "wrapped";
      expect(result.stdout).toBe(expected === "" ? "SEG\n" : `${expected} SEG\n`);
      expect(existsSync(join(project, "pwned"))).toBe(false);
    },
  );

  test("a slow user status line is waited for, as Claude Code would", async () => {
    const result = await statusLine("sleep 1; echo slow", "SEG");
    expect(result.stdout).toBe("slow SEG\n");
  });

  test("a background process the user's command leaves running does not hold the status line open", async () => {
    const started = Date.now();
    const result = await statusLine("(sleep 30 &) ; echo quick", "SEG");
    expect(result.stdout).toBe("quick SEG\n");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("cancelled by Claude Code (SIGTERM to its process group), the user's command stops too", async () => {
    const pidFile = join(root, "cancel.pid");
    writeInjection({
      runDir: run.path,
      hookServer,
      userStatusLine: { command: `echo $$ > ${shellQuote(pidFile)}; exec sleep 30` },
    });
    // Claude Code starts each status line as a process group of its own and signals the group.
    const child = spawn(argv[0]!, [...argv.slice(1), run.statusLineScript], {
      cwd: project,
      stdio: "pipe",
      detached: true,
    });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    child.stdin.end(statusInput);
    await until(
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"),
      "the user's command",
    );
    const pid = Number(readFileSync(pidFile, "utf8"));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
    await until(() => !isAlive(pid), "the user's command to be stopped");
  });

  test("leaves only temporary files of finished runs, which sweepTempFiles removes", async () => {
    await statusLine("echo one", "SEG");
    await statusLine("echo two", "SEG");
    const left = readdirSync(run.tempDir);
    expect(left.every((name) => TEMP_FILE.test(name))).toBe(true);
    expect(await sweepTempFiles(run.tempDir, Date.now() + 60_000)).toBe(left.length);
    expect(readdirSync(run.tempDir)).toEqual([]);
  });

  test("when the run directory is gone it still shows the user's status line", async () => {
    writeInjection({ runDir: run.path, hookServer, userStatusLine: { command: "cat; echo ' user'" } });
    const script = readFileSync(run.statusLineScript, "utf8");
    const elsewhere = join(root, "statusline-copy.sh");
    writeFileSync(elsewhere, script);
    await run.remove();
    const result = await runScript(argv, elsewhere, "{}");
    expect(result).toMatchObject({ code: 0, stdout: "{} user\n" });
  });
});

describe.each(shells)("the SessionStart script under $name", ({ argv }) => {
  test("spools each input as one complete file, prints nothing, exits 0", async () => {
    writeInjection({ runDir: run.path, hookServer, userStatusLine: null });
    const first = JSON.stringify({ hook_event_name: "SessionStart", session_id: "a", source: "startup" });
    const second = JSON.stringify({ hook_event_name: "SessionStart", session_id: "b", source: "resume" });
    expect(await runScript(argv, run.sessionStartScript, first)).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runScript(argv, run.sessionStartScript, second)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const files = readdirSync(run.eventsDir);
    expect(files).toHaveLength(2);
    expect(files.every((name) => /^\d+-\d+\.json$/.test(name))).toBe(true);
    const contents = files.map((name) => readFileSync(join(run.eventsDir, name), "utf8")).sort();
    expect(contents).toEqual([first, second]);
    expect(readdirSync(run.tempDir)).toEqual([]);
    expect(readFileSync(run.sessionStartScript, "utf8").match(/\b(cat|rm|sleep|node)\b/)).toBeNull();
  });

  test("is quiet and successful when the run directory is gone", async () => {
    writeInjection({ runDir: run.path, hookServer, userStatusLine: null });
    const elsewhere = join(root, "session-start-copy.sh");
    writeFileSync(elsewhere, readFileSync(run.sessionStartScript, "utf8"));
    await run.remove();
    expect(await runScript(argv, elsewhere, "{}")).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("helpers", () => {
  test.each([
    ["claude-fallback statusline", true],
    ["  /usr/local/bin/claude-fallback statusline --zone UTC ", true],
    ["claude-fallback statusline; echo more", false],
    ["claude-fallback statusline | cat", false],
    ["npx ccusage statusline", false],
    ["claude-fallback-other statusline", false],
    ["echo claude-fallback statusline", false],
  ])("isOwnStatusLineCommand(%j) is %s", (command, own) => {
    expect(isOwnStatusLineCommand(command)).toBe(own);
  });

  test.each(["plain", "a b", "it's", "$HOME `x` $(y)", "multi\nline", "", "'", "\\", "-dash"])(
    "shellQuote(%j) reads back as itself",
    (value) => {
      const echoed = execFileSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(value)}`], {
        encoding: "utf8",
      });
      expect(echoed).toBe(value);
    },
  );

  test("a segment is one line: control characters go, colours stay", async () => {
    expect(segmentLine("SUB\n63%\r\t⟳15:00\u0007")).toBe("SUB 63% ⟳15:00");
    expect(segmentLine("\u001b[2mAPI $1.24\u001b[0m")).toBe("\u001b[2mAPI $1.24\u001b[0m");
    await writeSegmentFile(run.segmentFile, "API\n$1");
    expect(readFileSync(run.segmentFile, "utf8")).toBe("API $1\n");
    expect(statSync(run.segmentFile).mode & 0o777).toBe(0o600);
  });
});

/**
 * The API key never leaks (SPEC §2, §6, §10; SECURITY.md): the real `claude`, wrapped, goes through
 * a whole story — a subscription turn, the limit, the automatic switch, API turns through the
 * gateway, a key the upstream refuses, a cap warning and a cap refusal, a failing upstream, desktop
 * and webhook notifications, the state-machine trace — and the commands that report on it. Then
 * everything that was written or printed is scanned for the key and for any 12-character piece of
 * its secret part: every file under the sandbox (HOME, the XDG config/state/data dirs under it, the
 * runtime and run directories while the run is live, TMPDIR, Claude's own files), every captured
 * stdout, stderr and terminal byte, the webhook requests, the argv and environment of the desktop
 * notifier, the environment of every `claude` process (hooks dump it, and `--claude` is a shim that
 * dumps it on every start, `claude --version` included), and what the simulator recorded, except
 * the one place the key must be: the `x-api-key` header the upstream received.
 */
import { once } from "node:events";
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from "node:net";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, type ProcessResult, runProcess, testedClaudeBinary } from "./harness/claude.js";
import { CLI } from "./harness/cli.js";
import { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { completeJsonLines, createSandbox, type Sandbox } from "./harness/sandbox.js";

/** A key with no repeated runs, so every 12-character window of it is distinctive. */
const KEY_PREFIX = "sk-ant-api03-";
const KEY = `${KEY_PREFIX}test-Qm2Xv9LpR4tK8wZ3nB6yH1cJ5fD0sGaE7uVi2oNqWrTxYzU4bM6kP8lS0dF3hA5jC7eG9iK1mO3qT-SecA`;
const MASKED = "sk-ant-…SecA";
/** A key the upstream accepts instead, to make it refuse ours. */
const OTHER_KEY = `${KEY_PREFIX}test-other-${"0123456789".repeat(8)}-OthR`;
const WINDOW = 12;

// ── the scanner ───────────────────────────────────────────────────────────────────────────────

/** The key, every 12-character piece of its secret part, and the key as base64 and hex. */
function keyNeedles(key: string): string[] {
  const secret = key.slice(KEY_PREFIX.length);
  const needles = new Set<string>([
    key,
    Buffer.from(key).toString("base64"),
    Buffer.from(key).toString("hex"),
  ]);
  for (let i = 0; i + WINDOW <= secret.length; i++) needles.add(secret.slice(i, i + WINDOW));
  return [...needles];
}

const NEEDLES = keyNeedles(KEY);

interface Leak {
  where: string;
  needle: string;
}

/** Every needle found in `content` (a Buffer is read byte for byte, whatever its encoding). */
function leaksIn(where: string, content: string | Buffer): Leak[] {
  const text = typeof content === "string" ? content : content.toString("latin1");
  return NEEDLES.filter((needle) => text.includes(needle)).map((needle) => ({ where, needle }));
}

/** Every regular file under `root` (symbolic links are not followed); files that vanish are skipped. */
function filesUnder(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      let info: ReturnType<typeof lstatSync>;
      try {
        info = lstatSync(path);
      } catch {
        continue;
      }
      if (info.isDirectory()) walk(path);
      else if (info.isFile()) files.push(path);
    }
  };
  walk(root);
  return files;
}

function scanFiles(root: string): { files: number; leaks: Leak[] } {
  const files = filesUnder(root);
  const leaks: Leak[] = [];
  for (const file of files) {
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      continue;
    }
    leaks.push(...leaksIn(relative(root, file), content));
  }
  return { files: files.length, leaks };
}

describe("the scanner", () => {
  test("finds the key, any 12-character piece of it, its base64 and hex, in files at any depth", async () => {
    const deep = join(sandbox.root, "a", "b", "c");
    await mkdir(deep, { recursive: true });
    const secret = KEY.slice(KEY_PREFIX.length);
    writeFileSync(join(deep, "whole.log"), `token=${KEY}\n`);
    writeFileSync(
      join(deep, "piece.bin"),
      Buffer.concat([Buffer.from([0, 255]), Buffer.from(secret.slice(30, 42))]),
    );
    writeFileSync(join(sandbox.root, "b64.txt"), Buffer.from(KEY).toString("base64"));
    writeFileSync(join(sandbox.root, "hex.txt"), Buffer.from(KEY).toString("hex"));
    // Eleven characters, and the masked form, are not the key.
    writeFileSync(join(sandbox.root, "short.txt"), `${secret.slice(30, 41)} ${MASKED}`);
    const found = new Set(scanFiles(sandbox.root).leaks.map((leak) => leak.where));
    expect([...found].sort()).toEqual(["a/b/c/piece.bin", "a/b/c/whole.log", "b64.txt", "hex.txt"]);
  });

  test("finds it in captured output and in what the simulator recorded, except its x-api-key header", async () => {
    captured.push({ where: "planted", text: `\u001b[2K${KEY.slice(20, 40)}` });
    const sent: Array<Record<string, string>> = [
      { "x-api-key": KEY },
      { "x-api-key": KEY, "x-stray": KEY.slice(20, 40) },
    ];
    for (const headers of sent) {
      await (await fetch(`${simulator.url}/v1/models`, { headers })).arrayBuffer();
    }
    expect(leakPlaces(scanMemory())).toEqual(["planted", "simulator request 2"]);
  });
});

// ── the story ─────────────────────────────────────────────────────────────────────────────────

let simulator: Simulator;
let sandbox: Sandbox;
let webhook: Server;
let failing: NetServer;
let failingUrl: string;
let webhookUrl: string;
const webhookRequests: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
const sessions: PtySession[] = [];
/** Everything printed by a process we ran. */
const captured: Array<{ where: string; text: string }> = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: KEY, limitAfterRequests: 1 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
  webhookRequests.length = 0;
  captured.length = 0;
  webhook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      webhookRequests.push({
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.end("ok");
    });
  });
  webhook.listen(0, "127.0.0.1");
  await once(webhook, "listening");
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/services/T0/B0/hooktoken`;
  // An upstream that accepts connections and drops them at once.
  failing = createNetServer((socket) => socket.destroy());
  failing.listen(0, "127.0.0.1");
  await once(failing, "listening");
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  webhook.closeAllConnections();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
  await new Promise<void>((resolve) => failing.close(() => resolve()));
  await simulator.close();
  await sandbox.cleanup();
});

interface Setup {
  env: NodeJS.ProcessEnv;
  shim: string;
  configPath: string;
  tracePath: string;
  notifyLog: string;
  runtimeDir: string;
  stateDir: string;
  dataDir: string;
  dumps: string;
}

/**
 * The sandbox as a user's machine: claude-fallback's files at their XDG places under HOME, TMPDIR
 * in the sandbox, a user settings.json whose hooks and status line dump Claude's environment, a
 * fake `notify-send` that records its argv and environment, and a `claude` shim that records the
 * environment of every start before it runs the pinned claude.
 */
async function prepare(config: Record<string, unknown>, extraEnv: NodeJS.ProcessEnv = {}): Promise<Setup> {
  const root = sandbox.root;
  const dumps = join(root, "dumps");
  const bin = join(root, "bin");
  const tmp = join(root, "tmpdir");
  await Promise.all([dumps, bin, tmp].map((dir) => mkdir(dir, { recursive: true })));

  const shim = join(bin, "claude");
  await writeFile(
    shim,
    `#!/bin/sh\nenv > '${dumps}/claude-start.'$$\nexec '${testedClaudeBinary()}' "$@"\n`,
    { mode: 0o755 },
  );
  const notifyLog = join(root, "notify-send.jsonl");
  await writeFile(
    join(bin, "notify-send"),
    `#!${process.execPath}
require("node:fs").appendFileSync(${JSON.stringify(notifyLog)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }) + "\\n");
`,
    { mode: 0o755 },
  );
  const dump = (name: string) => `env > '${dumps}/${name}.'$$`;
  await sandbox.writeUserSettings({
    hooks: {
      SessionStart: [{ hooks: [{ type: "command", command: dump("hook-session-start") }] }],
      UserPromptSubmit: [{ hooks: [{ type: "command", command: dump("hook-prompt") }] }],
      Stop: [{ hooks: [{ type: "command", command: dump("hook-stop") }] }],
    },
    statusLine: { type: "command", command: `env > '${dumps}/statusline-env'; printf USER-STATUS` },
  });

  const configDir = join(sandbox.home, ".config", "claude-fallback");
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const configPath = join(configDir, "config.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  chmodSync(configPath, 0o600);

  const tracePath = join(root, "trace.jsonl");
  const env: NodeJS.ProcessEnv = {
    ...sandbox.env,
    PATH: `${bin}:${sandbox.env.PATH}`,
    TMPDIR: tmp,
    CLAUDE_FALLBACK_TRACE: tracePath,
    CLAUDE_FALLBACK_DEBUG: "1",
    ...extraEnv,
  };
  return {
    env,
    shim,
    configPath,
    tracePath,
    notifyLog,
    runtimeDir: join(sandbox.env.XDG_RUNTIME_DIR!, "claude-fallback"),
    stateDir: join(sandbox.home, ".local", "state", "claude-fallback"),
    dataDir: join(sandbox.home, ".local", "share", "claude-fallback"),
    dumps,
  };
}

async function command(
  setup: Setup,
  args: string[],
  env: NodeJS.ProcessEnv = setup.env,
): Promise<ProcessResult> {
  const result = await runProcess(process.execPath, [CLI, "--claude", setup.shim, ...args], {
    cwd: sandbox.project,
    env,
    timeoutMs: 90_000,
  });
  captured.push({ where: `claude-fallback ${args.join(" ")}: stdout`, text: result.stdout });
  captured.push({ where: `claude-fallback ${args.join(" ")}: stderr`, text: result.stderr });
  return result;
}

function interactive(setup: Setup, args: string[] = []): PtySession {
  const session = new PtySession(process.execPath, [CLI, "--claude", setup.shim, ...args], {
    cwd: sandbox.project,
    env: setup.env,
  });
  sessions.push(session);
  return session;
}

function apiOk(): number {
  return messageRequests(simulator).filter((request) => request.billing === "api" && request.status === 200)
    .length;
}

/** The screen as one line of words: Claude wraps long messages onto indented lines. */
function screenWords(session: PtySession): string {
  return session
    .lines()
    .map((line) => line.trim())
    .join(" ")
    .replace(/\s+/g, " ");
}

function waitForWords(session: PtySession, words: string, timeoutMs = 60_000): Promise<void> {
  return session.waitUntil(
    () => screenWords(session).includes(words),
    `the screen to show "${words}"`,
    timeoutMs,
  );
}

interface NotifyCall {
  argv: string[];
  env: Record<string, string>;
}

function notifyCalls(setup: Setup): NotifyCall[] {
  if (!existsSync(setup.notifyLog)) return [];
  return completeJsonLines(readFileSync(setup.notifyLog, "utf8")) as NotifyCall[];
}

function webhookEvents(): string[] {
  return webhookRequests.map((request) => (JSON.parse(request.body) as { event: string }).event);
}

/** Dumped environments whose file name starts with `prefix`. */
function dumped(setup: Setup, prefix: string): string[] {
  return readdirSync(setup.dumps)
    .filter((name) => name.startsWith(prefix))
    .map((name) => readFileSync(join(setup.dumps, name), "utf8"));
}

/** Every place that is not a file: captured output, webhook requests, what the simulator recorded. */
function scanMemory(): Leak[] {
  const leaks: Leak[] = [];
  for (const { where, text } of captured) leaks.push(...leaksIn(where, text));
  for (const session of sessions) leaks.push(...leaksIn("a pty's bytes", session.raw));
  for (const request of webhookRequests) leaks.push(...leaksIn("a webhook request", JSON.stringify(request)));
  for (const request of simulator.requests) {
    // The one place the key belongs: the x-api-key header the upstream received.
    const { "x-api-key": apiKey, ...headers } = request.headers;
    if (apiKey !== undefined) expect(apiKey).toBe(KEY);
    leaks.push(...leaksIn(`simulator request ${request.seq}`, JSON.stringify({ ...request, headers })));
  }
  return leaks;
}

/**
 * Modes of claude-fallback's own files: directories 0700, files 0600 (our scripts 0700). The status
 * line script's files follow the umask (022 here), inside the 0700 run directory.
 */
function loosePermissions(dirs: string[], extraFiles: string[] = []): string[] {
  const loose: string[] = [];
  const check = (path: string, allowed: number[]) => {
    const mode = lstatSync(path).mode & 0o777;
    if (!allowed.includes(mode)) loose.push(`${path} ${mode.toString(8)}`);
  };
  const walk = (dir: string) => {
    check(dir, [0o700]);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (info.isDirectory()) walk(path);
      else if (name.endsWith(".sh")) check(path, [0o700]);
      else if (/^(statusline\.json|in\.\d+|out\.\d+)$/.test(name)) check(path, [0o600, 0o644]);
      else check(path, [0o600]);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  for (const file of extraFiles) if (existsSync(file)) check(file, [0o600]);
  return loose;
}

/** Where leaks were found, each place once, sorted. */
function leakPlaces(leaks: Leak[]): string[] {
  return [...new Set(leaks.map((leak) => leak.where))].sort();
}

describe("the key never leaves claude-fallback except as x-api-key to the upstream", () => {
  test("key in CLAUDE_FALLBACK_API_KEY: limit, switch, API turns, refused key, caps, failing upstream, every command", async () => {
    const setup = await prepare(
      {
        auto_switch: true,
        auto_revert_on_reset: false,
        cost_limit_per_session: 1,
        notifications: { webhook_url: webhookUrl },
      },
      { CLAUDE_FALLBACK_API_KEY: KEY },
    );
    // Cheap turns until the cap steps below; the response names a priced model.
    simulator.configure({
      usage: { inputTokens: 100, outputTokens: 100 },
      responseModel: "claude-sonnet-4-5",
    });

    // ── a subscription turn, the limit, the switch ──
    const session = interactive(setup);
    await session.waitFor("❯");
    await session.submit("first question about pineapples");
    await session.waitFor("Simulated reply 1");
    await session.submit("second question");
    await session.waitUntil(() => apiOk() >= 1, "the continued turn on API billing");
    await session.waitUntil(
      () => notifyCalls(setup).length >= 2 && webhookRequests.length >= 2,
      "the limit and switch notifications",
    );

    // ── while the run is live: its run directory, hook endpoint and state ──
    const runDirs = readdirSync(setup.runtimeDir);
    expect(runDirs).toHaveLength(1);
    const runDir = join(setup.runtimeDir, runDirs[0]!);
    await session.waitUntil(() => existsSync(join(runDir, "statusline.json")), "the status line input");
    const settings = readFileSync(join(runDir, "settings.json"), "utf8");
    expect(settings).toMatch(/"Authorization": "Bearer cf-hook-[A-Za-z0-9_-]{43}"/);
    expect(loosePermissions([setup.runtimeDir, setup.stateDir, setup.dataDir], [setup.tracePath])).toEqual(
      [],
    );
    const liveStatus = await command(setup, ["status"]);
    expect(liveStatus.code).toBe(0);
    expect(liveStatus.stdout).toContain(MASKED);
    const liveJson = await command(setup, ["status", "--json"]);
    expect(JSON.parse(liveJson.stdout).sessions).toHaveLength(1);
    expect(leakPlaces(scanFiles(sandbox.root).leaks)).toEqual([]);

    // ── the upstream refuses the key: the error names it masked, on screen and in a notification ──
    simulator.configure({ requireApiKey: OTHER_KEY });
    await session.submit("third question");
    await waitForWords(session, `refused the configured API key ${MASKED}`);
    await session.waitUntil(() => webhookEvents().includes("error"), "the error notification");
    simulator.configure({ requireApiKey: KEY });

    // ── $0.90 a turn against a $1 cap: a warning, the cap reached, then a refusal ──
    simulator.configure({ usage: { inputTokens: 100, outputTokens: 60_000 } });
    await session.submit("fourth question");
    await session.waitUntil(() => apiOk() >= 2, "the fourth turn");
    await session.waitUntil(() => webhookEvents().includes("cap_warning"), "the cap warning");
    await session.submit("fifth question");
    await session.waitUntil(() => apiOk() >= 3, "the fifth turn");
    await session.waitUntil(() => webhookEvents().includes("cap_reached"), "the cap notification");
    const forwarded = messageRequests(simulator).length;
    await session.submit("sixth question");
    await waitForWords(
      session,
      "API Error: 402 claude-fallback: the per-session API spending cap of $1.00 is reached",
    );
    expect(messageRequests(simulator)).toHaveLength(forwarded);

    await session.quit();
    expect(readdirSync(setup.runtimeDir)).toEqual([]);

    // ── a failing upstream: the gateway's error path, headless ──
    const broken = await command(setup, ["--force-api", "--", "-p", "hello"], {
      ...setup.env,
      ANTHROPIC_BASE_URL: failingUrl,
    });
    expect(broken.code).not.toBe(0);
    expect(broken.stdout + broken.stderr).toContain("did not answer");

    // ── every reporting command ──
    for (const args of [
      ["status"],
      ["status", "--json"],
      ["usage"],
      ["usage", "--json"],
      ["usage", "session", "--csv"],
      ["config", "show"],
      ["config", "show", "--json"],
      ["doctor"],
      ["doctor", "--online"],
    ]) {
      const result = await command(setup, args);
      expect(result.code, `${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(captured.find((c) => c.where === "claude-fallback config show: stdout")?.text).toContain(MASKED);
    const offline = await command(setup, ["doctor", "--online"], {
      ...setup.env,
      ANTHROPIC_BASE_URL: failingUrl,
    });
    expect(offline.code).toBe(1);
    expect(offline.stdout).toContain("API key check online failed");

    // ── the scan had things to find: each kind of output really was produced ──
    expect(readFileSync(setup.tracePath, "utf8")).toContain('"switched"');
    const starts = dumped(setup, "claude-start.");
    expect(starts.some((env) => /^ANTHROPIC_AUTH_TOKEN=cf-gw-/m.test(env))).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(4); // version checks, two interactive starts, -p
    const hookEnvs = dumped(setup, "hook-");
    expect(hookEnvs.some((env) => /^ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/m.test(env))).toBe(true);
    expect(existsSync(join(setup.dumps, "statusline-env"))).toBe(true);
    expect(notifyCalls(setup).map((call) => call.argv[2])).toEqual(
      expect.arrayContaining([
        "claude-fallback: Subscription limit reached",
        "claude-fallback: Switched to API billing",
        "claude-fallback: Needs your attention",
        "claude-fallback: API spending cap reached",
      ]),
    );
    expect(webhookRequests.some((request) => request.body.includes(MASKED))).toBe(true);
    const billed = messageRequests(simulator).filter((request) => request.billing === "api");
    expect(billed.length).toBeGreaterThanOrEqual(4); // three turns and the refused key
    expect(billed.every((request) => request.headers["x-api-key"] === KEY)).toBe(true);
    expect(simulator.requests.some((r) => r.path === "/v1/models" && r.headers["x-api-key"] === KEY)).toBe(
      true,
    );

    // ── the scan itself, first proven on a planted copy ──
    const planted = join(sandbox.root, "home", ".cache", "planted.txt");
    await mkdir(join(planted, ".."), { recursive: true });
    writeFileSync(planted, `x${KEY.slice(40, 52)}x`);
    expect(scanFiles(sandbox.root).leaks.map((leak) => leak.where)).toEqual(["home/.cache/planted.txt"]);
    writeFileSync(planted, "");

    const { files, leaks } = scanFiles(sandbox.root);
    expect(files).toBeGreaterThan(20);
    expect(leakPlaces(leaks)).toEqual([]);
    expect(leakPlaces(scanMemory())).toEqual([]);
    expect(loosePermissions([setup.stateDir, setup.dataDir], [setup.tracePath])).toEqual([]);
  }, 300_000);

  test("key in the config file: that file is the one place it is; a readable file is warned about", async () => {
    const setup = await prepare({
      api_key: KEY,
      auto_switch: true,
      notifications: { webhook_url: webhookUrl },
    });
    const configFile = relative(sandbox.root, setup.configPath);

    chmodSync(setup.configPath, 0o644);
    const warned = await command(setup, ["status"]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain("holds an API key and is readable by others (mode 0644)");
    expect(warned.stderr).toContain("chmod 600");
    chmodSync(setup.configPath, 0o600);

    // Headless: the limit on the first request, the switch, the continued run's output.
    simulator.configure({ limitAfterRequests: 0 });
    const headless = await command(setup, ["--", "-p", "summarise the repo"]);
    expect(headless.code).toBe(0);
    expect(headless.stdout).toMatch(/^Simulated reply 2/);
    expect(webhookEvents().sort()).toEqual(["limit_reached", "switched_to_api"]);
    expect(notifyCalls(setup)).toHaveLength(2);

    for (const args of [
      ["status", "--json"],
      ["usage", "--json"],
      ["config", "show"],
      ["config", "show", "--json"],
      ["doctor", "--online"],
    ]) {
      const result = await command(setup, args);
      expect(result.code, `${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(captured.find((c) => c.where === "claude-fallback config show --json: stdout")?.text).toContain(
      `"api_key": "${MASKED}"`,
    );
    expect(
      messageRequests(simulator)
        .filter((r) => r.billing === "api")
        .map((r) => r.headers["x-api-key"]),
    ).toEqual([KEY]);

    // A config file the user broke while editing it: the error points at it without quoting the key.
    const broken = join(sandbox.root, "broken.json");
    for (const text of [`{"api_key": "${KEY}",}`, `{"api_key": "${KEY} "}`, `{"apikey": "${KEY}"}`]) {
      writeFileSync(broken, text, { mode: 0o600 });
      const invalid = await command(setup, ["--config", broken, "config", "validate"]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain(broken);
    }
    writeFileSync(broken, "{}");

    // The scan finds the key where it is — the config file — and nowhere else.
    expect(leakPlaces(scanFiles(sandbox.root).leaks)).toEqual([configFile]);
    expect(leakPlaces(scanMemory())).toEqual([]);
  }, 300_000);

  test("key from api_key_command: never echoed, also when the command fails or prints something else", async () => {
    const vault = join(sandbox.root, "vault");
    await mkdir(vault, { mode: 0o700 });
    writeFileSync(join(vault, "key"), `${KEY}\n`, { mode: 0o600 });
    const keyFile = relative(sandbox.root, join(vault, "key"));
    const setup = await prepare({ api_key_command: `cat '${join(vault, "key")}'` });

    const run = await command(setup, ["--force-api", "--", "-p", "hello through the gateway"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("hello through the gateway");
    for (const args of [["config", "show"], ["doctor", "--online"], ["status"]]) {
      const result = await command(setup, args);
      expect(result.code, `${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(captured.find((c) => c.where === "claude-fallback doctor --online: stdout")?.text).toContain(
      "API key accepted by",
    );

    // Commands that fail while holding the key: its output on stderr, or the key inside other text.
    for (const [name, keyCommand, problem] of [
      ["stderr", `cat '${join(vault, "key")}' >&2; exit 1`, "api_key_command failed (exit status 1)"],
      ["mixed", `printf 'key: %s' "$(cat '${join(vault, "key")}')"`, "unusable as the API key"],
    ] as const) {
      const other = join(sandbox.root, `${name}.json`);
      writeFileSync(other, JSON.stringify({ api_key_command: keyCommand }), { mode: 0o600 });
      const failed = await command(setup, ["--config", other, "--force-api", "--", "-p", "hi"]);
      expect(failed.code).toBe(2);
      expect(failed.stderr).toContain(problem);
    }
    expect(captured.some((c) => c.text.includes(MASKED))).toBe(true);
    expect(messageRequests(simulator).map((r) => r.headers["x-api-key"])).toEqual([KEY]);

    expect(leakPlaces(scanFiles(sandbox.root).leaks)).toEqual([keyFile]);
    expect(leakPlaces(scanMemory())).toEqual([]);
  }, 300_000);
});

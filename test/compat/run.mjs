// The compatibility runner (SPEC §13): installs the given @anthropic-ai/claude-code versions into a
// cache directory and runs the core story (test/e2e/compat-story.test.ts) against each, one at a
// time (each starts several real `claude` processes).
//
// Usage: npm run test:compat -- [options] VERSION…
//   VERSION        a published version (2.1.332), or `min` / `max`: VERIFIED_MIN / VERIFIED_MAX of
//                  src/claude/compat.ts
//   --remove       delete each install after its run (bisecting: a native version is ~400 MB)
//   --json FILE    append one JSON line per version: { version, ok, seconds, passed, failed }
//   -t PATTERN     only the story's cases whose name matches (vitest -t)
//   --file FILE    run this e2e file instead of the story, e.g. test/e2e/claude-facts.test.ts (one
//                  fact about Claude Code per case: where each capability starts)
// Installs go to $CLAUDE_FALLBACK_COMPAT_CACHE, else $XDG_CACHE_HOME/claude-fallback-compat, else
// ~/.cache/claude-fallback-compat, one directory per version, reused while complete.
// Exit: 0 when every version passed, 1 when one failed, 2 for a usage error.
import { execFileSync, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@anthropic-ai/claude-code";
const root = fileURLToPath(new URL("../..", import.meta.url));
let file = "test/e2e/compat-story.test.ts";

function usage(message) {
  console.error(`test:compat: ${message}`);
  console.error(
    "usage: npm run test:compat -- [--remove] [--json FILE] [-t PATTERN] [--file FILE] VERSION… (or min / max)",
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
let remove = false;
let jsonFile;
let pattern;
const versions = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--remove") remove = true;
  else if (arg === "--json" || arg === "-t" || arg === "--file") {
    const value = argv[++i];
    if (value === undefined) usage(`${arg} needs a value`);
    if (arg === "--json") jsonFile = resolve(value);
    else if (arg === "--file") file = value;
    else pattern = value;
  } else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
  else versions.push(arg);
}
if (versions.length === 0) usage("name at least one version");

/**
 * VERIFIED_MIN / VERIFIED_MAX as written in src/claude/compat.ts: read from the source, not the
 * build, so the runner needs no build of its own (the story's global setup builds).
 */
function verified(which) {
  const source = readFileSync(join(root, "src/claude/compat.ts"), "utf8");
  const match = new RegExp(`export const VERIFIED_${which} = "(\\d+\\.\\d+\\.\\d+)"`).exec(source);
  if (!match) usage(`src/claude/compat.ts has no VERIFIED_${which} = "x.y.z"`);
  return match[1];
}
const wanted = versions.map((version) =>
  version === "min" ? verified("MIN") : version === "max" ? verified("MAX") : version,
);
for (const version of wanted) if (!/^\d+\.\d+\.\d+$/.test(version)) usage(`not a version: ${version}`);

const cache = resolve(
  process.env.CLAUDE_FALLBACK_COMPAT_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "claude-fallback-compat"),
);

/** The installed `claude` of a version, installing it first unless a complete install is there. */
function install(version) {
  const dir = join(cache, version);
  const marker = join(dir, ".complete");
  const bin = join(dir, "node_modules", ".bin", "claude");
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // npm 11 runs a dependency's install scripts only when the installing package allows them; the
    // package's postinstall puts the native binary in place of the bin/claude.exe stub (2.1.113+).
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name: "claude-fallback-compat", private: true, allowScripts: { [PACKAGE]: true } })}\n`,
    );
    const started = Date.now();
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        dir,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `${PACKAGE}@${version}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    console.log(`test:compat: installed ${PACKAGE}@${version} in ${dir} (${seconds(started)} s)`);
  }
  // In a HOME of its own: even `--version` may write Claude Code's config files.
  const home = mkdtempSync(join(tmpdir(), "claude-fallback-compat-home-"));
  let said;
  try {
    said = execFileSync(bin, ["--version"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: home, DISABLE_AUTOUPDATER: "1" },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (!said.includes(version))
    throw new Error(`${bin} --version says ${JSON.stringify(said.trim())}, not ${version}`);
  writeFileSync(marker, `${version}\n`);
  return realpathSync(bin);
}

const seconds = (since) => Math.round((Date.now() - since) / 1000);

/** Runs the story with CLAUDE_FALLBACK_TEST_CLAUDE=<binary>; resolves with vitest's JSON report. */
function story(binary) {
  const report = join(tmpdir(), `claude-fallback-compat-${process.pid}-${Date.now()}.json`);
  const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
  const args = [vitest, "run", "--project", "e2e", file, "--reporter=default", "--reporter=json"];
  args.push(`--outputFile.json=${report}`);
  if (pattern) args.push("-t", pattern);
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, CLAUDE_FALLBACK_TEST_CLAUDE: binary },
    });
    child.on("close", (code) => {
      let parsed = null;
      try {
        parsed = JSON.parse(readFileSync(report, "utf8"));
      } catch {
        // No report: vitest itself failed; said below with its exit code.
      }
      rmSync(report, { force: true });
      resolvePromise({ code, report: parsed });
    });
  });
}

const results = [];
for (const version of wanted) {
  const started = Date.now();
  let result;
  try {
    const binary = install(version);
    console.log(`test:compat: ${version}: ${file} with ${binary}`);
    const { code, report } = await story(binary);
    const cases = (report?.testResults ?? []).flatMap((suite) => suite.assertionResults);
    // Without the first ancestor, "Claude Code <version>": the same case has the same name for every version.
    const name = (test) => [...test.ancestorTitles.slice(1), test.title].join(" > ");
    const passed = cases.filter((test) => test.status === "passed").map(name);
    const failed = cases
      .filter((test) => test.status === "failed")
      .map((test) => ({ name: name(test), error: (test.failureMessages[0] ?? "").split("\n")[0] }));
    const ok = code === 0 && failed.length === 0 && passed.length > 0;
    if (!report) failed.push({ name: "(vitest)", error: `exited ${code} without a report` });
    result = { version, ok, seconds: seconds(started), passed, failed };
  } catch (error) {
    result = {
      version,
      ok: false,
      seconds: seconds(started),
      passed: [],
      failed: [{ name: "(install)", error: String(error.message ?? error).split("\n")[0] }],
    };
  }
  if (remove) rmSync(join(cache, version), { recursive: true, force: true });
  results.push(result);
  if (jsonFile) {
    appendFileSync(jsonFile, `${JSON.stringify({ at: new Date().toISOString(), file, ...result })}\n`);
  }
}

console.log("\ntest:compat: summary");
for (const result of results) {
  console.log(
    `  ${result.version.padEnd(9)} ${result.ok ? "pass" : "FAIL"}  ${result.passed.length}/${result.passed.length + result.failed.length} cases  ${result.seconds} s`,
  );
  for (const failure of result.failed) console.log(`      ✗ ${failure.name}: ${failure.error}`);
}
process.exit(results.every((result) => result.ok) ? 0 : 1);

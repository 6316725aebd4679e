/**
 * The doctor's checks of files: the user's Claude Code settings that could stop our hooks or
 * status line, and the directories and ledger claude-fallback writes.
 */
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { settingsFiles } from "../claude/user-settings.js";
import { shellQuote } from "../shell.js";
import { readStateChecked, stateFile } from "../state/store.js";
import { LEDGER_FILE_NAME, ledgerPath, openExistingLedger } from "../usage/ledger.js";
import { LedgerDamagedError } from "../usage/ledger-errors.js";

/**
 * `claude-fallback doctor` (SPEC §3): one line per check, `✓`/`!`/`✗` (`OK`/`WARN`/`FAIL` without a
 * UTF-8 locale), each warning and failure with its fix; `--json` gives the same checks as one
 * object. Exit 1 when any check fails; warnings (something works less well than it could) do not.
 * What Claude Code versions are verified, and what each lacks, is ../claude/compat.ts's to say. Nothing is contacted unless
 * `--online` is given; then one `GET /v1/models` checks that the upstream accepts the key (and
 * only then does `api_key_command` run).
 */

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  status: CheckStatus;
  /** What was checked and what was found. */
  text: string;
  /** How to fix a failure or a warning. */
  fix?: string;
}

export function defaultManagedSettingsFiles(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "darwin") return ["/Library/Application Support/ClaudeCode/managed-settings.json"];
  if (platform === "linux") return ["/etc/claude-code/managed-settings.json"];
  return [];
}

function readJsonObject(path: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Claude Code's `allowedHttpHookUrls` pattern: `*` matches anything. */
function urlPatternMatches(pattern: string, url: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(url);
}

/** A URL of the shape our injected http hooks use. */
const SAMPLE_HOOK_URL = "http://127.0.0.1:54321/hooks/Stop";

/** Settings (user, project, local, managed) that would silently switch our injection off. */
export function settingsChecks(
  cwd: string,
  env: Record<string, string | undefined>,
  managed: readonly string[],
): Check[] {
  const layers = [
    ...settingsFiles(cwd, env).map(({ path }) => ({ path, managed: false })),
    ...managed.map((path) => ({ path, managed: true })),
  ];
  const checks: Check[] = [];
  const allowed: string[] = [];
  let allowlistFrom: string[] = [];
  for (const layer of layers) {
    const settings = readJsonObject(layer.path);
    if (!settings) continue;
    const owner = layer.managed ? "ask your administrator to remove it" : `remove it from ${layer.path}`;
    if (settings.disableAllHooks === true) {
      checks.push({
        status: "fail",
        text: `${layer.path} sets disableAllHooks: our hooks and status line will not run (no limit detection by hook, no switching at idle)`,
        fix: owner,
      });
    }
    if (layer.managed && settings.allowManagedHooksOnly === true) {
      checks.push({
        status: "fail",
        text: `${layer.path} sets allowManagedHooksOnly: hooks injected with --settings are ignored`,
        fix: owner,
      });
    }
    if (Array.isArray(settings.allowedHttpHookUrls)) {
      allowed.push(
        ...settings.allowedHttpHookUrls.filter((entry): entry is string => typeof entry === "string"),
      );
      allowlistFrom = [...allowlistFrom, layer.path];
    }
  }
  if (allowlistFrom.length > 0 && !allowed.some((pattern) => urlPatternMatches(pattern, SAMPLE_HOOK_URL))) {
    checks.push({
      status: "fail",
      text: `allowedHttpHookUrls (${allowlistFrom.join(", ")}) does not allow loopback hooks: our http hooks would be blocked`,
      fix: 'add "http://127.0.0.1:*" to allowedHttpHookUrls',
    });
  }
  if (checks.length === 0) {
    checks.push({
      status: "ok",
      text: "Claude Code settings: nothing disables our injected hooks or status line",
    });
  }
  return checks;
}

/** Bytes the user may still write on the disk holding `path`; null when that cannot be asked. */
function freeBytes(path: string): number | null {
  try {
    const { bavail, bsize } = statfsSync(path);
    return bavail * bsize;
  } catch {
    return null;
  }
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false; // Not to be seen: the access checks say why.
  }
}

/** `<dir>` (or, if it does not exist yet, the nearest existing parent) is a writable directory. */
export function writableCheck(label: string, dir: string, file?: string): Check {
  const shown = file ?? dir;
  const target = file !== undefined && existsSync(file) ? file : null;
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const elsewhere = "or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere";
  const fail = (blocked: string, fix: string): Check => ({
    status: "fail",
    text: `${label}: ${shown} is not writable (${blocked})`,
    fix: `${fix}, ${elsewhere}`,
  });
  if (isFile(probe)) return fail(probe, `${probe} is a file where a directory should be: move it aside`);
  // The directory first: SQLite writes its journal beside the file, so a writable file is not enough.
  const needs: [string, number, string][] = [[probe, constants.W_OK | constants.X_OK, "u+rwx"]];
  if (target) needs.push([target, constants.R_OK | constants.W_OK, "u+rw"]);
  for (const [path, mode, chmod] of needs) {
    try {
      accessSync(path, mode);
    } catch (error) {
      // No chmod makes a read-only disk writable.
      if ((error as NodeJS.ErrnoException).code === "EROFS")
        return fail(path, "it is on a read-only file system");
      return fail(path, `let your user write it (chmod ${chmod} ${path})`);
    }
  }
  if (freeBytes(probe) === 0) {
    return {
      status: "fail",
      text: `${label}: ${shown}: the disk is full`,
      fix: `free some space on it, ${elsewhere}`,
    };
  }
  return { status: "ok", text: `${label}: ${shown} ${existsSync(shown) ? "is writable" : "can be created"}` };
}

/**
 * The state directory can be written, and its state file, if there is one, read: one that cannot
 * be hides a `use` preference or a limit in force, as `status` says too (SPEC §14).
 */
export function stateCheck(stateDir: string): Check {
  const writable = writableCheck("state", stateDir);
  if (writable.status !== "ok") return writable;
  const { problem } = readStateChecked(stateFile(stateDir));
  return problem === null ? writable : { status: "fail", text: problem };
}

/**
 * The usage ledger is writable and, if it exists, opens the way `usage` and `status` open it
 * (an older schema is brought up to date, as they would). A damaged one fails the check with what
 * a run does about it; doctor itself moves nothing aside and creates no ledger.
 */
export function ledgerCheck(dataDir: string): Check {
  const file = ledgerPath(dataDir);
  const writable = writableCheck("usage ledger", dataDir, file);
  if (writable.status !== "ok") return writable;
  try {
    openExistingLedger(file)?.close();
    return writable;
  } catch (error) {
    if (error instanceof LedgerDamagedError) {
      return {
        status: "fail",
        text: `usage ledger: ${file} is damaged or not a SQLite database (${error.detail})`,
        fix: `the next run moves it aside to ${LEDGER_FILE_NAME}.corrupt-<time> and starts a new one (not while cost_limit_per_day or cost_limit_per_month is set: it holds their spend); or move it aside yourself: mv ${shellQuote(file)} ${shellQuote(`${file}.corrupt`)}`,
      };
    }
    return {
      status: "fail",
      text: `usage ledger: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** What to do about a key the API refused, at the place the key came from. */

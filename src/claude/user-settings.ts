/**
 * Reading (never writing) the user's Claude Code settings: which `statusLine` Claude Code would
 * have shown without us, so our status line can run it. Claude Code's precedence, highest first:
 * a `--settings` argument > `<cwd>/.claude/settings.local.json` > `<cwd>/.claude/settings.json` >
 * the user's `settings.json` in Claude Code's config directory (`config-dir.ts`). Managed (policy)
 * settings outrank all of them; a managed `statusLine` replaces ours too, so it is not looked at.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { settingsConfigDir } from "./config-dir.js";

export type SettingsSource = "flag" | "local" | "project" | "user";

export interface UserStatusLine {
  command: string;
  padding?: number;
  refreshInterval?: number;
  hideVimModeIndicator?: boolean;
  source: SettingsSource;
  /** The file it came from; null for a `--settings` given as inline JSON. */
  path: string | null;
}

export interface UserStatusLineLookup {
  /** The status line Claude Code would show without us; null for none. */
  statusLine: UserStatusLine | null;
  /** Files that could not be read or parsed, or a `statusLine` of the wrong shape (each skipped). */
  problems: string[];
}

type Env = Record<string, string | undefined>;

export interface UserSettingsLookupOptions {
  cwd: string;
  env: Env;
  /** The value of the user's own `--settings` (a file path or inline JSON), if any. */
  userSettingsArg?: string | undefined;
}

/** Where each layer lives, lowest precedence first (the flag, when given, comes last). */
export function settingsFiles(cwd: string, env: Env): { source: SettingsSource; path: string }[] {
  return [
    { source: "user", path: join(settingsConfigDir(env), "settings.json") },
    { source: "project", path: join(cwd, ".claude", "settings.json") },
    { source: "local", path: join(cwd, ".claude", "settings.local.json") },
  ];
}

type Layer = { ok: true; settings: Record<string, unknown> } | { ok: false; problem: string | null };

function parseSettings(text: string, where: string): Layer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${where}: not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, problem: `${where}: not a JSON object` };
  }
  return { ok: true, settings: value as Record<string, unknown> };
}

function readLayer(path: string): Layer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, problem: null };
    return { ok: false, problem: `${path}: cannot be read (${code ?? (error as Error).message})` };
  }
  return parseSettings(text, path);
}

/** How Claude Code reads a `--settings` value: inline JSON when it looks like an object, else a file path (relative to `cwd`). */
export function readSettingsArgument(
  value: string,
  cwd: string,
): { settings: Record<string, unknown> | null; path: string | null; problem: string | null } {
  if (value.trim().startsWith("{")) {
    const layer = parseSettings(value, "--settings");
    return layer.ok
      ? { settings: layer.settings, path: null, problem: null }
      : { settings: null, path: null, problem: layer.problem };
  }
  const path = isAbsolute(value) ? value : resolve(cwd, value);
  const layer = readLayer(path);
  if (layer.ok) return { settings: layer.settings, path, problem: null };
  return { settings: null, path, problem: layer.problem ?? `--settings ${path}: no such file` };
}

function statusLineOf(
  settings: Record<string, unknown>,
  source: SettingsSource,
  path: string | null,
): { statusLine: UserStatusLine | null; problem: string | null } {
  const value = settings.statusLine;
  if (value === undefined || value === null) return { statusLine: null, problem: null };
  const where = path ?? "--settings";
  if (typeof value !== "object" || Array.isArray(value)) {
    return { statusLine: null, problem: `${where}: statusLine is not an object` };
  }
  const entry = value as Record<string, unknown>;
  if (entry.type !== undefined && entry.type !== "command") {
    return {
      statusLine: null,
      problem: `${where}: statusLine type ${JSON.stringify(entry.type)} is not "command"`,
    };
  }
  if (typeof entry.command !== "string" || entry.command.trim() === "") {
    return { statusLine: null, problem: `${where}: statusLine has no command` };
  }
  if (entry.command.includes("\u0000")) {
    return { statusLine: null, problem: `${where}: statusLine command contains a NUL character` };
  }
  const statusLine: UserStatusLine = { command: entry.command, source, path };
  if (typeof entry.padding === "number" && Number.isFinite(entry.padding)) statusLine.padding = entry.padding;
  if (typeof entry.refreshInterval === "number" && entry.refreshInterval >= 1) {
    statusLine.refreshInterval = entry.refreshInterval;
  }
  if (typeof entry.hideVimModeIndicator === "boolean")
    statusLine.hideVimModeIndicator = entry.hideVimModeIndicator;
  return { statusLine, problem: null };
}

/**
 * The user's effective `statusLine`, by Claude Code's precedence. A layer that is missing,
 * unreadable, not JSON, or whose `statusLine` has the wrong shape is skipped (with a problem
 * noted, except for a missing file) and the next one down is used.
 */
export function findUserStatusLine(options: UserSettingsLookupOptions): UserStatusLineLookup {
  const problems: string[] = [];
  const candidates: (() => {
    settings: Record<string, unknown> | null;
    source: SettingsSource;
    path: string | null;
  })[] = [];
  if (options.userSettingsArg !== undefined) {
    const value = options.userSettingsArg;
    candidates.push(() => {
      const read = readSettingsArgument(value, options.cwd);
      if (read.problem) problems.push(read.problem);
      return { settings: read.settings, source: "flag", path: read.path };
    });
  }
  for (const { source, path } of settingsFiles(options.cwd, options.env).reverse()) {
    candidates.push(() => {
      const layer = readLayer(path);
      if (!layer.ok && layer.problem) problems.push(layer.problem);
      return { settings: layer.ok ? layer.settings : null, source, path };
    });
  }
  for (const candidate of candidates) {
    const { settings, source, path } = candidate();
    if (!settings) continue;
    const found = statusLineOf(settings, source, path);
    if (found.problem) problems.push(found.problem);
    if (found.statusLine) return { statusLine: found.statusLine, problems };
  }
  return { statusLine: null, problems };
}

/**
 * Whether the user chose Claude's model outside its arguments: `ANTHROPIC_MODEL`, or a `model` in
 * a settings layer (`--settings`, the project's, the user's: `/model` keeps its choice there).
 * Claude Code runs that model on any billing, so a `--model` of ours would override their choice.
 */
export function userSetsModel(options: UserSettingsLookupOptions): boolean {
  if (options.env.ANTHROPIC_MODEL?.trim()) return true;
  const layers = settingsFiles(options.cwd, options.env).map(({ path }) => readLayer(path));
  if (options.userSettingsArg !== undefined) {
    const flag = readSettingsArgument(options.userSettingsArg, options.cwd).settings;
    if (flag) layers.push({ ok: true, settings: flag });
  }
  return layers.some(
    (layer) => layer.ok && typeof layer.settings.model === "string" && layer.settings.model !== "",
  );
}

/** Where a user's own `--settings` value is among `claude` arguments: the last one counts, as in Claude Code. */
export function userSettingsArgument(args: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === "--settings") {
      const value = args[i + 1];
      if (value !== undefined) found = value;
      i++;
    } else if (arg.startsWith("--settings=")) {
      found = arg.slice("--settings=".length);
    }
  }
  return found;
}

/** The arguments without any `--settings` (its value goes into ours: Claude Code keeps only the last). */
export function withoutSettingsArgument(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      kept.push(...args.slice(i));
      break;
    }
    if (arg === "--settings") {
      i++;
      continue;
    }
    if (arg.startsWith("--settings=")) continue;
    kept.push(arg);
  }
  return kept;
}

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { ConfigProblemsError, maskUrl } from "../config/load.js";
import { type ConfigSource, locateConfig } from "../config/locate.js";
import { type Config, DEFAULT_CONFIG } from "../config/schema.js";
import { API_KEY_ENV, apiKeySource, type KeySource, maskKey, redactSecrets } from "../config/secret.js";
import { UsageError } from "../errors.js";
import { cannotAccessText } from "../state/paths.js";
import { asciiPunctuation, localeIsUtf8 } from "../statusline/segment.js";
import { loadContext } from "./context.js";

/** Where the `config` commands write and what they read; injected so tests capture output. */
export interface ConfigIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): ConfigIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

interface GlobalOpts {
  config?: string;
  claude?: string;
}

const SOURCE_TEXT: Record<ConfigSource, string> = {
  flag: "from --config",
  env: "from $CLAUDE_FALLBACK_CONFIG",
  default: "default location",
};

const KEY_SOURCE_TEXT: Record<KeySource, string> = {
  env: `from $${API_KEY_ENV}`,
  command: "from api_key_command",
  config: "from api_key in the config file",
};

/** What `config init` writes: every key with its default, so the file documents itself. */
export function defaultConfigText(): string {
  return `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`;
}

/**
 * `config init [--force]`: writes the defaults with mode 0600 (it will hold the key), creating its
 * directory 0700. No `--api-key` option on purpose: a key on the command line lands in shell
 * history and `ps`; the next-steps text says where to put it instead.
 */
export function configInit(opts: GlobalOpts & { force?: boolean }, io: ConfigIo): void {
  const { path, source } = locateConfig({ configFlag: opts.config, env: io.env, cwd: io.cwd });
  const text = defaultConfigText();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(cannotAccessText("create", path, dirname(path), error, "XDG_CONFIG_HOME"));
  }
  if (opts.force) {
    // Write beside it and rename, so an interrupted overwrite never leaves half a file.
    const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      writeFileSync(temporary, text, { flag: "wx", mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new UsageError(cannotAccessText("write", path, dirname(path), error, "XDG_CONFIG_HOME"));
    }
  } else {
    try {
      // O_EXCL: refusing to overwrite is decided by the file system, not by an earlier check.
      writeFileSync(path, text, { flag: "wx", mode: 0o600 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST")
        throw new UsageError(`config file already exists: ${path} (use --force to overwrite)`);
      throw new UsageError(cannotAccessText("write", path, dirname(path), error, "XDG_CONFIG_HOME"));
    }
    chmodSync(path, 0o600);
  }
  io.stdout(`wrote ${path} (${SOURCE_TEXT[source]}, mode 0600)\n`);
  io.stdout(
    `next: set "api_key" in it, or "api_key_command" (e.g. "op read op://Private/Anthropic/credential"), or export ${API_KEY_ENV}\n`,
  );
}

/** The config as `show` prints it: the key masked, the webhook's path hidden. */
export function maskedConfig(config: Config): Config {
  return {
    ...config,
    api_key: config.api_key === null ? null : maskKey(config.api_key),
    api_key_command: config.api_key_command === null ? null : redactSecrets(config.api_key_command),
    notifications: {
      ...config.notifications,
      webhook_url:
        config.notifications.webhook_url === null ? null : maskUrl(config.notifications.webhook_url),
    },
  };
}

/**
 * The `--json` shape of `config show` (stable):
 * `{ path, source: "flag"|"env"|"default", exists, key_source: "env"|"command"|"config"|null,
 *    key: masked key or null (null also when it would take running api_key_command), config }`.
 */
export interface ConfigShowJson {
  path: string;
  source: ConfigSource;
  exists: boolean;
  key_source: KeySource | null;
  key: string | null;
  config: Config;
}

/** `config show [--json]`: the effective config. Never runs api_key_command. */
export function configShow(opts: GlobalOpts & { json?: boolean }, io: ConfigIo): void {
  const context = loadContext(opts, io.env, io.stderr, io.cwd);
  const envKey = io.env[API_KEY_ENV];
  const keySource = apiKeySource(context.config, io.env);
  let maskedKey: string | null = null;
  if (keySource === "env") maskedKey = maskKey(envKey!);
  if (keySource === "config") maskedKey = maskKey(context.config.api_key!);
  const report: ConfigShowJson = {
    path: context.configPath,
    source: context.configSource,
    exists: context.configExists,
    key_source: keySource,
    key: maskedKey,
    config: maskedConfig(context.config),
  };
  let text: string;
  if (opts.json) {
    text = `${JSON.stringify(report, null, 2)}\n`;
  } else {
    const presence = context.configExists ? "" : "; does not exist, defaults apply";
    let keyLine = "none configured";
    if (keySource === "command") keyLine = `${KEY_SOURCE_TEXT.command} (not run by show)`;
    else if (keySource) keyLine = `${maskedKey} (${KEY_SOURCE_TEXT[keySource]})`;
    text =
      `config file: ${context.configPath} (${SOURCE_TEXT[context.configSource]}${presence})\n` +
      `api key: ${keyLine}\n` +
      `${JSON.stringify(report.config, null, 2)}\n`;
    if (!localeIsUtf8(io.env)) text = asciiPunctuation(text);
  }
  // Belt and braces: nothing shaped like a key, or equal to one we know, leaves unmasked.
  io.stdout(redactSecrets(text, [context.config.api_key, envKey]));
}

/** `config path [--json]`: the file that would be used and whether it exists; never fails on absence. */
export function configPath(opts: GlobalOpts & { json?: boolean }, io: ConfigIo): void {
  const { path, source } = locateConfig({ configFlag: opts.config, env: io.env, cwd: io.cwd });
  const exists = existsSync(path);
  if (opts.json) {
    io.stdout(`${JSON.stringify({ path, source, exists })}\n`);
    return;
  }
  io.stdout(`${path} (${SOURCE_TEXT[source]}; ${exists ? "exists" : "does not exist"})\n`);
}

/**
 * `config validate`: "valid: <path>" and 0, or every problem of the file, one line each, and 2
 * (other commands say the first and count the rest). A file that cannot be read or parsed at all is
 * a UsageError (exit 2) with its one line.
 */
export function configValidate(opts: GlobalOpts, io: ConfigIo): number {
  try {
    const context = loadContext(opts, io.env, io.stderr, io.cwd);
    const note = context.configExists ? "" : " (does not exist; defaults apply)";
    io.stdout(`valid: ${context.configPath}${note}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigProblemsError)) throw error;
    for (const problem of error.problems) io.stderr(`claude-fallback: ${problem}\n`);
    return 2;
  }
}

export function registerConfig(program: Command, io: ConfigIo = processIo()): void {
  const config = program.command("config").description("manage the config file (init, show, path, validate)");
  config
    .command("init")
    .description("write a config file with every default, mode 0600")
    .option("--force", "overwrite an existing file")
    .action((_options, command: Command) => configInit(command.optsWithGlobals(), io));
  config
    .command("show")
    .description("print the effective config (API key masked), the file used and the key source")
    .option("--json", "machine-readable output")
    .action((_options, command: Command) => configShow(command.optsWithGlobals(), io));
  config
    .command("path")
    .description("print the config file that would be used and whether it exists")
    .option("--json", "machine-readable output")
    .action((_options, command: Command) => configPath(command.optsWithGlobals(), io));
  config
    .command("validate")
    .description("check the config file; exit 0 if valid, 2 with the problem if not")
    .action((_options, command: Command) => {
      process.exitCode = configValidate(command.optsWithGlobals(), io);
    });
}

/**
 * Desktop notifications (SPEC §8): `notify-send` on Linux, `osascript` on macOS. Title and body
 * are passed as arguments — data — to a program started without a shell; they are never put into
 * a script or a command line.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { withoutApiKeyEnv } from "../config/secret.js";
import {
  CHANNEL_TIMEOUT_MS,
  type Channel,
  ChannelUnavailableError,
  formatDuration,
  type OutgoingNotification,
} from "./channel.js";

/** macOS: a fixed script whose run handler reads title and body from its arguments. */
export const OSASCRIPT_SCRIPT = [
  "on run argv",
  "display notification (item 2 of argv) with title (item 1 of argv)",
  "end run",
] as const;

export interface DesktopCommand {
  file: string;
  args: string[];
}

/** The first executable `name` on `PATH`, or null. */
export function findOnPath(name: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Text as one argument: a NUL (which no argument can hold: the spawn would fail) becomes U+FFFD.
 */
function asArgument(value: string): string {
  return value.replaceAll("\0", "\uFFFD");
}

/** An argument that cannot be read as an option by the program's parser. */
function notAnOption(value: string): string {
  const text = asArgument(value);
  return text.startsWith("-") ? ` ${text}` : text;
}

/**
 * The program and arguments that show `title` / `body` on `platform`, or null when the platform
 * has no supported notifier. `file` is resolved on `PATH` by the caller.
 */
export function desktopCommand(
  platform: NodeJS.Platform,
  title: string,
  body: string,
): DesktopCommand | null {
  if (platform === "darwin") {
    // osascript's option parsing is not documented beyond its synopsis: whether it stops at the
    // first non-option or reads options anywhere, a text that cannot look like one is safe.
    return {
      file: "osascript",
      args: [...OSASCRIPT_SCRIPT.flatMap((line) => ["-e", line]), notAnOption(title), notAnOption(body)],
    };
  }
  if (platform === "linux" || platform === "freebsd" || platform === "openbsd") {
    // `--` ends notify-send's options: a title or body starting with "-" stays text.
    return {
      file: "notify-send",
      args: ["--app-name=claude-fallback", "--", asArgument(title), asArgument(body)],
    };
  }
  return null;
}

export interface DesktopChannelOptions {
  platform?: NodeJS.Platform;
  /** The environment of the notifier process: `PATH`, `DISPLAY`, `DBUS_SESSION_BUS_ADDRESS`. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function lastLine(text: string): string {
  const line =
    text
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "")
      .at(-1) ?? "";
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

export function createDesktopChannel(options: DesktopChannelOptions = {}): Channel {
  const platform = options.platform ?? process.platform;
  const env = withoutApiKeyEnv(options.env ?? process.env);
  const timeoutMs = options.timeoutMs ?? CHANNEL_TIMEOUT_MS;
  return {
    name: "desktop",
    send(notification: OutgoingNotification, signal: AbortSignal): Promise<void> {
      const command = desktopCommand(platform, notification.title, notification.body);
      if (!command) {
        return Promise.reject(new ChannelUnavailableError(`no desktop notifier on ${platform}`));
      }
      const file = findOnPath(command.file, env.PATH);
      if (!file) {
        return Promise.reject(new ChannelUnavailableError(`${command.file} is not on PATH`));
      }
      return run(file, command.args, env, timeoutMs, signal);
    },
  };
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const name = file.split("/").at(-1) ?? file;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error(`${name} was not started: timed out`));
      return;
    }
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "pipe"], shell: false });
    let stderr = "";
    let timedOut = false;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    const kill = () => {
      timedOut = true;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(kill, timeoutMs);
    signal.addEventListener("abort", kill, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", kill);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      done();
      reject(
        error.code === "ENOENT" || error.code === "EACCES"
          ? new ChannelUnavailableError(`${name} could not be started (${error.code})`)
          : new Error(`${name} could not be started: ${error.code ?? error.message}`),
      );
    });
    child.on("close", (code, closeSignal) => {
      done();
      if (timedOut) reject(new Error(`${name} did not finish within ${formatDuration(timeoutMs)}`));
      else if (code === 0) resolve();
      else {
        const hint = lastLine(stderr);
        reject(
          new Error(
            `${name} failed (${code !== null ? `exit ${code}` : closeSignal})${hint ? `: ${hint}` : ""}`,
          ),
        );
      }
    });
  });
}

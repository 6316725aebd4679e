/**
 * The core of `claude-fallback statusline` (SPEC §8): a `statusLine` command users can put in
 * their own settings.json. It reads Claude Code's status JSON on stdin and our state file, and
 * prints our segment. Under a wrapped run, our injected status line already shows the segment
 * and runs the user's command with `CLAUDE_FALLBACK_STATUSLINE=wrapped`: then this prints nothing.
 *
 * The state it shows is a {@link StatuslineStateFile}; the real call site, `statuslineCommand` in
 * `cli/statusline.ts`, builds it with `standaloneState` from the limit recorded in `state.json`.
 */
import { readFile } from "node:fs/promises";
import { WRAPPED_STATUSLINE_ENV } from "../hooks/settings-scripts.js";
import { epochMs, parseStatusLineInput, type StatusLineInput } from "../hooks/status-input.js";
import { formatSegment, localeIsUtf8, type SegmentState } from "./segment.js";

export interface StatuslineStateFile {
  mode?: "subscription" | "api";
  session_id?: string;
  limit_resets_at?: number | string | null;
  run_spend_usd?: number;
  cap_usd?: number | null;
}

export interface RunStatuslineOptions {
  /** Claude Code's status JSON: the process's stdin, or its text. */
  stdin: AsyncIterable<string | Uint8Array> | string;
  /** Our state file; may be missing or unreadable (then only stdin counts). */
  stateFile: string | null;
  /**
   * The state, already known (standalone `claude-fallback statusline` derives it from the shared
   * state file); when given, `stateFile` is not read.
   */
  state?: StatuslineStateFile | null;
  out: { write(text: string): unknown };
  /** IANA zone for reset times; the system zone when omitted. */
  zone?: string | undefined;
  /** Epoch ms. */
  now: number;
  env?: Record<string, string | undefined>;
}

async function readAll(stdin: RunStatuslineOptions["stdin"]): Promise<string> {
  if (typeof stdin === "string") return stdin;
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdin)
    text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function readState(path: string | null): Promise<StatuslineStateFile | null> {
  if (path === null) return null;
  const value = parseJson(await readFile(path, "utf8").catch(() => "null"));
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as StatuslineStateFile)
    : null;
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** What to show, from the status input and our state (either may be missing). */
export function segmentState(
  input: StatusLineInput | null,
  state: StatuslineStateFile | null,
  now: number,
): SegmentState | null {
  const sameSession = !state?.session_id || !input?.sessionId || state.session_id === input.sessionId;
  const limitResetsAt = epochMs(state?.limit_resets_at);
  if (state?.mode === "api" && sameSession) {
    const cap = state.cap_usd === null ? null : finite(state.cap_usd);
    return {
      mode: "api",
      spendUsd: finite(state.run_spend_usd) ?? 0,
      capUsd: cap,
      subscriptionResetsAt: limitResetsAt !== null && limitResetsAt > now ? limitResetsAt : null,
    };
  }
  const windows = input?.windows ?? [];
  if (limitResetsAt !== null && limitResetsAt > now)
    return { mode: "subscription", limit: { resetsAt: limitResetsAt } };
  const full = windows.find((window) => window.usedPercentage >= 100 && (window.resetsAt ?? now + 1) > now);
  if (full) return { mode: "subscription", limit: { resetsAt: full.resetsAt } };
  if (windows.length > 0) return { mode: "subscription", windows };
  // Nothing known about this session's billing: show nothing rather than guess.
  return null;
}

/** Prints the segment line (or nothing); returns what was printed, without the newline. Never throws. */
export async function runStatusline(options: RunStatuslineOptions): Promise<string> {
  const env = options.env ?? {};
  if (env[WRAPPED_STATUSLINE_ENV] === "wrapped") return "";
  let line = "";
  try {
    const [text, state] = await Promise.all([
      readAll(options.stdin),
      options.state !== undefined ? options.state : readState(options.stateFile),
    ]);
    const input = parseStatusLineInput(parseJson(text));
    const segment = segmentState(input, state, options.now);
    if (segment) {
      line = formatSegment(segment, { now: options.now, zone: options.zone, unicode: localeIsUtf8(env) });
    }
  } catch {
    line = "";
  }
  if (line !== "") options.out.write(`${line}\n`);
  return line;
}

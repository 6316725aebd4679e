/**
 * The Claude Code hook events the wrapper listens to, as typed values (PURE: no I/O).
 *
 * Claude Code sends each hook's input as one JSON object (snake_case). Everything is optional
 * here: a newer or older Claude Code may leave a field out, and a hook must never be lost
 * because of that. The untouched object stays available as `raw`.
 */

/** `SessionStart` arrives through the spool (command hook); the others through the hook server (http hooks). */
export const HOOK_EVENT_NAMES = ["SessionStart", "UserPromptSubmit", "Stop", "StopFailure"] as const;
export type HookEventName = (typeof HOOK_EVENT_NAMES)[number];

/** The events Claude Code (2.1.330) delivers through `"type": "http"` hooks. */
export const HTTP_HOOK_EVENTS = [
  "UserPromptSubmit",
  "Stop",
  "StopFailure",
] as const satisfies readonly HookEventName[];

export function isHookEventName(value: unknown): value is HookEventName {
  return typeof value === "string" && (HOOK_EVENT_NAMES as readonly string[]).includes(value);
}

interface HookCommon {
  sessionId?: string;
  transcriptPath?: string;
  cwd?: string;
  promptId?: string;
  /**
   * The body was larger than the hook server keeps: only the plain string fields found in its
   * first part are filled in (Claude Code puts `session_id` first), `raw` holds those.
   */
  truncated?: boolean;
  raw: Record<string, unknown>;
}

export type HookEvent =
  | (HookCommon & { name: "SessionStart" /** startup, resume, clear, compact */; source?: string })
  | (HookCommon & { name: "UserPromptSubmit"; prompt?: string })
  | (HookCommon & { name: "Stop"; lastAssistantMessage?: string })
  | (HookCommon & {
      name: "StopFailure";
      /** `rate_limit` at a subscription limit. */
      error?: string;
      /** The text Claude Code showed, e.g. `You've hit your 5-hour limit · resets 3:47am (UTC)`. */
      lastAssistantMessage?: string;
    });

function text(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" ? value : undefined;
}

/**
 * Turns a hook's JSON into a typed event. `name` is the event the transport stands for (the
 * URL path of an http hook); the body's own `hook_event_name` is used when no name is given.
 * Returns null for something that is not a JSON object or names no event we know.
 */
export function parseHookEvent(body: unknown, name?: HookEventName, truncated = false): HookEvent | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const raw = body as Record<string, unknown>;
  const eventName = name ?? raw.hook_event_name;
  if (!isHookEventName(eventName)) return null;
  const common: HookCommon = { raw };
  const sessionId = text(raw, "session_id");
  const transcriptPath = text(raw, "transcript_path");
  const cwd = text(raw, "cwd");
  const promptId = text(raw, "prompt_id");
  if (sessionId !== undefined) common.sessionId = sessionId;
  if (transcriptPath !== undefined) common.transcriptPath = transcriptPath;
  if (cwd !== undefined) common.cwd = cwd;
  if (promptId !== undefined) common.promptId = promptId;
  if (truncated) common.truncated = true;
  switch (eventName) {
    case "SessionStart":
      return withOptional({ ...common, name: eventName }, "source", text(raw, "source"));
    case "UserPromptSubmit":
      return withOptional({ ...common, name: eventName }, "prompt", text(raw, "prompt"));
    case "Stop":
      return withOptional(
        { ...common, name: eventName },
        "lastAssistantMessage",
        text(raw, "last_assistant_message"),
      );
    case "StopFailure": {
      const event = withOptional({ ...common, name: eventName }, "error", text(raw, "error"));
      return withOptional(event, "lastAssistantMessage", text(raw, "last_assistant_message"));
    }
  }
}

function withOptional<T extends object, K extends string>(
  target: T,
  key: K,
  value: string | undefined,
): T & { [P in K]?: string } {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target as T & { [P in K]?: string };
}

/** The fields read from the head of a body too large to parse whole. */
export const HEAD_FIELDS = [
  "session_id",
  "transcript_path",
  "cwd",
  "hook_event_name",
  "prompt_id",
  "source",
  "error",
];

/**
 * The plain string fields found in the first part of a JSON object that was cut short. Inside a
 * JSON string every `"` is escaped, so `"key":` can only match a real key, never text in a value.
 */
export function fieldsFromHead(head: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of HEAD_FIELDS) {
    const match = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(head);
    if (!match) continue;
    try {
      fields[key] = JSON.parse(`"${match[1]}"`) as string;
    } catch {
      // A cut escape sequence: leave the field out.
    }
  }
  return fields;
}

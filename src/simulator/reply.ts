import { newMessageId, newToolUseId } from "./ids.js";
import { mintThinkingSignature } from "./thinking-signature.js";
import type { BillingKind, ResponseScript, UsageNumbers } from "./types.js";

export type ReplyBlock =
  | { type: "thinking"; thinking: string; signature: string }
  /** `paddingBytes` of filler follow `text`; kept apart so a 100 MB reply is streamed, never built. */
  | { type: "text"; text: string; paddingBytes: number; paddingDeltaBytes?: number }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface Reply {
  id: string;
  model: string;
  blocks: ReplyBlock[];
  stopReason: "end_turn" | "tool_use";
  usage: UsageNumbers;
}

export interface ReplyRequest {
  /** The parsed request body. */
  body: MessagesRequestBody;
  /** Length of the raw body, the base of the input token estimate. */
  bodyLength: number;
  billing: BillingKind;
  /** 1-based number of this message request, shown in the reply text. */
  seq: number;
  /** The simulator-wide model and usage overrides. */
  defaults: {
    responseModel: string | null;
    usage: Partial<UsageNumbers>;
    replyBytes: number | null;
    replyDeltaBytes?: number | null;
  };
  script: ResponseScript | undefined;
}

export interface MessagesRequestBody {
  model?: unknown;
  messages: unknown[];
  stream?: unknown;
  thinking?: { type?: unknown; display?: unknown } | null;
}

const SNIPPET_LENGTH = 60;
const FILLER = "The quick brown fox jumps over the lazy dog. ";
const CHARS_PER_TOKEN = 4;

function isSystemReminder(text: string): boolean {
  return text.trimStart().startsWith("<system-reminder>");
}

/**
 * The text the user typed last: Claude Code sends content as an array and wraps context in
 * `<system-reminder>` text blocks, so the last text block that is not one of those, searching back past
 * user turns that hold only tool results.
 */
export function lastUserText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { role, content } = (messages[i] ?? {}) as { role?: unknown; content?: unknown };
    if (role !== "user") continue;
    if (typeof content === "string") return content;
    if (!Array.isArray(content)) continue;
    for (let j = content.length - 1; j >= 0; j--) {
      const { type, text } = (content[j] ?? {}) as { type?: unknown; text?: unknown };
      if (type === "text" && typeof text === "string" && !isSystemReminder(text)) return text;
    }
  }
  return "";
}

function snippet(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, SNIPPET_LENGTH);
}

function thinkingEnabled(body: MessagesRequestBody): boolean {
  const type = body.thinking?.type;
  return type === "enabled" || type === "adaptive";
}

const tokensFor = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

/** The filler text that pads a reply to `replyBytes`, in chunks of at most `chunkSize` (ASCII: bytes = chars). */
export function* padding(bytes: number, chunkSize: number): Generator<string> {
  const unit = FILLER.repeat(Math.ceil(chunkSize / FILLER.length)).slice(0, chunkSize);
  for (let left = bytes; left > 0; left -= chunkSize) yield left >= chunkSize ? unit : unit.slice(0, left);
}

/** Builds the deterministic reply to a messages request: blocks, stop reason, model and usage. */
export function buildReply(request: ReplyRequest): Reply {
  const { body, billing, seq, defaults, script } = request;
  const id = newMessageId();
  const text = script?.text ?? `Simulated reply ${seq} (${billing}): ${snippet(lastUserText(body.messages))}`;
  const paddingBytes = Math.max(
    0,
    (script?.replyBytes ?? defaults.replyBytes ?? 0) - Buffer.byteLength(text),
  );
  const blocks: ReplyBlock[] = [];
  if (thinkingEnabled(body)) {
    blocks.push({
      type: "thinking",
      // `display: "omitted"` (Claude Code's default) gets a signature and no thinking text.
      thinking: body.thinking?.display === "omitted" ? "" : `Thinking about reply ${seq}.`,
      signature: mintThinkingSignature(billing, id),
    });
  }
  blocks.push({ type: "text", text, paddingBytes, paddingDeltaBytes: defaults.replyDeltaBytes ?? undefined });
  if (script?.toolUse) {
    blocks.push({
      type: "tool_use",
      id: newToolUseId(),
      name: script.toolUse.name,
      input: script.toolUse.input,
    });
  }
  const outputChars = blocks.reduce((sum, block) => {
    if (block.type === "thinking") return sum + block.thinking.length;
    if (block.type === "text") return sum + block.text.length + block.paddingBytes;
    return sum + JSON.stringify(block.input).length;
  }, 0);
  const derived: UsageNumbers = {
    inputTokens: tokensFor(request.bodyLength),
    outputTokens: tokensFor(outputChars),
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    webSearchRequests: 0,
  };
  return {
    id,
    model: script?.responseModel ?? defaults.responseModel ?? String(body.model ?? ""),
    blocks,
    stopReason: script?.toolUse ? "tool_use" : "end_turn",
    usage: { ...derived, ...defaults.usage, ...script?.usage },
  };
}

/** `usage` as in a message and in `message_start`. */
export function usageJson(usage: UsageNumbers, outputTokens = usage.outputTokens): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
    output_tokens: outputTokens,
    ...serverToolUse(usage),
    service_tier: "standard",
    inference_geo: "not_available",
  };
}

/** `usage` as in the final `message_delta`: the cumulative counts, as the current API sends them. */
export function deltaUsageJson(usage: UsageNumbers): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
    ...serverToolUse(usage),
  };
}

function serverToolUse(usage: UsageNumbers): Record<string, unknown> {
  return usage.webSearchRequests > 0
    ? { server_tool_use: { web_search_requests: usage.webSearchRequests, web_fetch_requests: 0 } }
    : {};
}

/** The message fields around `content`, shared by the JSON body and `message_start`. */
export function messageJson(reply: Reply, content: unknown[], final: boolean): Record<string, unknown> {
  return {
    model: reply.model,
    id: reply.id,
    type: "message",
    role: "assistant",
    content,
    stop_reason: final ? reply.stopReason : null,
    stop_sequence: null,
    stop_details: null,
    // message_start reports the output counted so far, which is next to nothing.
    usage: usageJson(reply.usage, final ? reply.usage.outputTokens : Math.min(1, reply.usage.outputTokens)),
  };
}

const JSON_PADDING_CHUNK = 1 << 16;

/** The non-streaming response body. */
export function replyBody(reply: Reply): string {
  const content = reply.blocks.map((block) => {
    if (block.type !== "text") return block;
    return { type: "text", text: block.text + [...padding(block.paddingBytes, JSON_PADDING_CHUNK)].join("") };
  });
  return JSON.stringify(messageJson(reply, content, true));
}

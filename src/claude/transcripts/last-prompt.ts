/**
 * The last prompt a transcript holds: what a restarted Claude will find there when it resumes
 * the conversation. Claude Code records a prompt before its request is made, so a prompt refused
 * at the limit is already in the conversation it resumes (2.1.332); sending it again would make
 * it one user message holding the prompt twice.
 */
import { findSessionTranscript } from "./find.js";
import { TranscriptTail } from "./tail.js";

type Env = Record<string, string | undefined>;

/** A user message's text: a string, or its text blocks joined; null for tool results and the like. */
export function promptText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content) || content.length === 0) return null;
  const texts: string[] = [];
  for (const block of content as { type?: unknown; text?: unknown }[]) {
    if (block?.type !== "text" || typeof block.text !== "string") return null;
    texts.push(block.text);
  }
  return texts.join("\n");
}

interface TranscriptRecord {
  type?: unknown;
  isMeta?: unknown;
  isApiErrorMessage?: unknown;
  message?: { content?: unknown; model?: unknown };
}

/**
 * The text of the prompt the conversation in transcript `lines` ends with: the last user record
 * that is no tool result, with no answer after it (Claude Code's own error notices, such as the
 * limit's, are no answer: a resumed conversation leaves them out). Null when an answer follows.
 */
export function lastPromptText(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    let record: TranscriptRecord;
    try {
      record = JSON.parse(lines[i]!);
    } catch {
      continue;
    }
    if (record.type === "assistant") {
      if (record.isApiErrorMessage === true || record.message?.model === "<synthetic>") continue;
      return null;
    }
    if (record.type !== "user" || record.isMeta === true) continue;
    const text = promptText(record.message?.content);
    if (text !== null) return text;
  }
  return null;
}

/** The prompt session `sessionId`'s transcript ends with (see {@link lastPromptText}), or null. */
export function sessionLastPrompt(sessionId: string, env: Env): string | null {
  const transcript = findSessionTranscript(sessionId, env);
  return transcript ? lastPromptText(new TranscriptTail().readLines(transcript.path)) : null;
}

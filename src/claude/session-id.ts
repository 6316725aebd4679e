import { UsageError } from "../errors.js";

/** Claude Code session ids are UUIDs (`--session-id` accepts nothing else). */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `text` when it is a Claude Code session id; else a UsageError naming `where` it was given. */
export function checkSessionId(text: string, where: string): string {
  if (SESSION_ID.test(text)) return text;
  throw new UsageError(
    `${where}: ${JSON.stringify(text)} is not a Claude Code session id (expected a UUID such as 0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40)`,
  );
}

import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}

/** Ids shaped like the real ones (`msg_01…`, `req_011C…`, `toolu_01…`), so parsers that check them pass. */
export const newMessageId = (): string => `msg_01${base62(22)}`;
export const newRequestId = (): string => `req_011C${base62(20)}`;
export const newToolUseId = (): string => `toolu_01${base62(22)}`;

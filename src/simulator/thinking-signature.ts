import type { BillingKind } from "./types.js";

/** Real signatures are opaque base64 bound to the account; ours are base64 JSON naming the billing kind. */
interface SignaturePayload {
  simulator: 1;
  billing: BillingKind;
  message: string;
}

export function mintThinkingSignature(billing: BillingKind, messageId: string): string {
  const payload: SignaturePayload = { simulator: 1, billing, message: messageId };
  return Buffer.from(JSON.stringify(payload)).toString("base64");
}

/** The billing kind a signature was minted under, or `undefined` for a signature the simulator did not mint. */
export function signatureBilling(signature: string): BillingKind | undefined {
  try {
    const payload = JSON.parse(
      Buffer.from(signature, "base64").toString("utf8"),
    ) as Partial<SignaturePayload>;
    return payload.simulator === 1 ? payload.billing : undefined;
  } catch {
    return undefined;
  }
}

export interface BlockPosition {
  messageIndex: number;
  blockIndex: number;
}

function* thinkingBlocks(body: unknown): Generator<BlockPosition & { signature: unknown }> {
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return;
  for (const [messageIndex, message] of messages.entries()) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const [blockIndex, block] of content.entries()) {
      const { type, signature } = (block ?? {}) as { type?: unknown; signature?: unknown };
      if (type === "thinking") yield { messageIndex, blockIndex, signature };
    }
  }
}

/**
 * The first thinking block this request may not replay: one the simulator did not mint, or, for a request not
 * billed to the subscription, one minted under the subscription (the case of a conversation moved to an API key).
 * The other direction is accepted, so a conversation can go back to the subscription at the reset.
 */
export function findForeignThinkingBlock(body: unknown, billing: BillingKind): BlockPosition | undefined {
  for (const { signature, ...position } of thinkingBlocks(body)) {
    const mintedUnder = typeof signature === "string" ? signatureBilling(signature) : undefined;
    if (mintedUnder === undefined || (mintedUnder === "subscription" && billing !== "subscription")) {
      return position;
    }
  }
  return undefined;
}

/** Where the `thinking-signature` fault says the bad block is: the first thinking block, else `messages.1.content.0`. */
export function firstThinkingBlock(body: unknown): BlockPosition {
  for (const { messageIndex, blockIndex } of thinkingBlocks(body)) return { messageIndex, blockIndex };
  return { messageIndex: 1, blockIndex: 0 };
}

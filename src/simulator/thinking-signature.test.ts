import { describe, expect, it } from "vitest";
import {
  findForeignThinkingBlock,
  firstThinkingBlock,
  mintThinkingSignature,
  signatureBilling,
} from "./thinking-signature.js";

const subscriptionSignature = mintThinkingSignature("subscription", "msg_1");
const apiSignature = mintThinkingSignature("api", "msg_2");

function conversation(signature: unknown) {
  return {
    messages: [
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "before" },
          { type: "thinking", thinking: "…", signature },
        ],
      },
      { role: "user", content: [{ type: "text", text: "again" }] },
    ],
  };
}

describe("thinking signatures", () => {
  it("round-trip the billing kind and look like base64", () => {
    expect(subscriptionSignature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(signatureBilling(subscriptionSignature)).toBe("subscription");
    expect(signatureBilling(apiSignature)).toBe("api");
    expect(signatureBilling("EtUCClkIDRgCKkDKdV2Rnr")).toBeUndefined();
  });

  it.each([
    { signature: subscriptionSignature, billing: "api", foreign: true },
    { signature: subscriptionSignature, billing: "bearer", foreign: true },
    { signature: subscriptionSignature, billing: "subscription", foreign: false },
    { signature: apiSignature, billing: "api", foreign: false },
    { signature: apiSignature, billing: "subscription", foreign: false },
    { signature: "not-ours", billing: "subscription", foreign: true },
    { signature: undefined, billing: "api", foreign: true },
  ] as const)(
    "a block signed $signature is foreign to $billing: $foreign",
    ({ signature, billing, foreign }) => {
      const found = findForeignThinkingBlock(conversation(signature), billing);
      expect(found).toEqual(foreign ? { messageIndex: 1, blockIndex: 1 } : undefined);
    },
  );

  it("places the fault at the first thinking block, else messages.1.content.0", () => {
    expect(firstThinkingBlock(conversation(apiSignature))).toEqual({ messageIndex: 1, blockIndex: 1 });
    expect(firstThinkingBlock({ messages: [{ role: "user", content: "hi" }] })).toEqual({
      messageIndex: 1,
      blockIndex: 0,
    });
  });
});

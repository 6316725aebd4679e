import { deltaUsageJson, messageJson, padding, type Reply, type ReplyBlock } from "./reply.js";

export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

/** One event on the wire, named like its `type` as the real API does. */
export function encodeEvent(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const TEXT_DELTA_CHARS = 24;
const PADDING_DELTA_BYTES = 16 * 1024;

function* slices(text: string, size: number): Generator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

function startBlock(block: ReplyBlock): Record<string, unknown> {
  switch (block.type) {
    case "thinking":
      return { type: "thinking", thinking: "", signature: "" };
    case "text":
      return { type: "text", text: "" };
    case "tool_use":
      return { type: "tool_use", id: block.id, name: block.name, input: {} };
  }
}

function* blockDeltas(block: ReplyBlock): Generator<Record<string, unknown>> {
  switch (block.type) {
    case "thinking":
      for (const thinking of slices(block.thinking, TEXT_DELTA_CHARS))
        yield { type: "thinking_delta", thinking };
      yield { type: "signature_delta", signature: block.signature };
      return;
    case "text": {
      for (const text of slices(block.text, TEXT_DELTA_CHARS)) yield { type: "text_delta", text };
      let repeated: Record<string, unknown> | undefined;
      for (const text of padding(block.paddingBytes, block.paddingDeltaBytes ?? PADDING_DELTA_BYTES)) {
        if (repeated?.text !== text) repeated = { type: "text_delta", text };
        yield repeated;
      }
      return;
    }
    case "tool_use": {
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const partial_json of [json.slice(0, half), json.slice(half)]) {
        yield { type: "input_json_delta", partial_json };
      }
      return;
    }
  }
}

/**
 * The events of a streamed reply, in the real order: `message_start`, then per block `content_block_start`,
 * deltas and `content_block_stop` (with a `ping` after the first block starts), `message_delta` carrying the
 * stop reason and final usage, `message_stop`. Lazy, so a large reply is never held in memory; padding
 * repeats one event object, so a writer can reuse its encoding.
 */
export function* replyEvents(reply: Reply): Generator<StreamEvent> {
  yield { type: "message_start", message: messageJson(reply, [], false) };
  for (const [index, block] of reply.blocks.entries()) {
    yield { type: "content_block_start", index, content_block: startBlock(block) };
    if (index === 0) yield { type: "ping" };
    let event: StreamEvent | undefined;
    for (const delta of blockDeltas(block)) {
      event = event?.delta === delta ? event : { type: "content_block_delta", index, delta };
      yield event;
    }
    yield { type: "content_block_stop", index };
  }
  yield {
    type: "message_delta",
    delta: { stop_reason: reply.stopReason, stop_sequence: null, stop_details: null },
    usage: deltaUsageJson(reply.usage),
  };
  yield { type: "message_stop" };
}

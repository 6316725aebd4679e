/**
 * The benchmarks' Messages API client: one streaming `POST /v1/messages` timed to its first byte
 * and its end, time-to-first-byte samples over several targets taken in alternating blocks, and
 * streaming throughput. Shared by bench/gateway and bench/peers so their numbers mean the same.
 */
import { Pool } from "undici";
import { summarize } from "./stats.mjs";

/** The streamed request every latency and throughput sample sends. */
export const STREAM_BODY = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  stream: true,
  messages: [{ role: "user", content: "benchmark" }],
});

export const ANTHROPIC_VERSION = "2023-06-01";

/**
 * A streamed request the size Claude Code sends late in a long conversation: its system prompt,
 * tool definitions and the whole history come with every request (about `kib` KiB).
 */
export function conversationBody(kib) {
  const turn = (i) => ({
    role: i % 2 ? "assistant" : "user",
    content: [
      { type: "text", text: `${"Here is what I found in the file. ".repeat(30)}"quoted" \\ and a newline\n` },
      {
        type: "tool_use",
        id: `toolu_${i}`,
        name: "Bash",
        input: { command: "ls -la src", description: "List" },
      },
    ],
  });
  const body = {
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    stream: true,
    system: [
      { type: "text", text: "You are Claude Code. ".repeat(1000), cache_control: { type: "ephemeral" } },
    ],
    tools: Array.from({ length: 20 }, (_, i) => ({
      name: `Tool${i}`,
      description: "Runs a tool. ".repeat(60),
      input_schema: { type: "object", properties: { command: { type: "string" } } },
    })),
    messages: [],
    metadata: { user_id: JSON.stringify({ session_id: "9f1c2d4e-5b6a-4c3d-8e7f-0a1b2c3d4e5f" }) },
  };
  for (let i = 0; JSON.stringify(body).length < kib * 1024; i++) body.messages.push(turn(i));
  return JSON.stringify(body);
}

/** A server to send requests to: a keep-alive pool to its origin and the headers that authenticate. */
export function target(url, headers) {
  const origin = new URL(url);
  return { pool: new Pool(origin.origin, { connections: 8, pipelining: 1 }), headers };
}

/** Sends one request and reads the whole response: ms to the first body byte and to the end, bytes. */
export async function once(t, body = STREAM_BODY) {
  const started = process.hrtime.bigint();
  const response = await t.pool.request({
    path: "/v1/messages",
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": ANTHROPIC_VERSION, ...t.headers },
    body,
  });
  let firstByte = null;
  let bytes = 0;
  for await (const chunk of response.body) {
    firstByte ??= process.hrtime.bigint();
    bytes += chunk.length;
  }
  const ended = process.hrtime.bigint();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  return { ttfbMs: Number(firstByte - started) / 1e6, totalMs: Number(ended - started) / 1e6, bytes };
}

/**
 * Time-to-first-byte samples of each named target, `requests` each after `warmup` unrecorded
 * rounds, taken in alternating blocks so drift on a shared machine hits every target alike.
 * `targets` is a list of [name, target]; the result maps each name to its summary. `body`: the
 * request sent (default {@link STREAM_BODY}, a one-line prompt).
 */
export async function latency(targets, { requests, warmup = 100, block = 50, body = STREAM_BODY }) {
  const samples = Object.fromEntries(targets.map(([name]) => [name, []]));
  for (let i = 0; i < warmup; i++) for (const [, t] of targets) await once(t, body);
  for (let round = 0; round < requests / block; round++) {
    for (const [name, t] of targets) {
      for (let i = 0; i < block; i++) samples[name].push((await once(t, body)).ttfbMs);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarize(s)]));
}

/**
 * MiB/s of each named target over `requests` streamed responses each (after one unrecorded round),
 * one response per target in turn so drift on a shared machine hits every target alike.
 * `targets` is a list of [name, target]; the result maps each name to its figures.
 */
export async function throughput(targets, requests) {
  for (const [, t] of targets) await once(t);
  const totals = Object.fromEntries(targets.map(([name]) => [name, { bytes: 0, ns: 0n }]));
  for (let i = 0; i < requests; i++) {
    for (const [name, t] of targets) {
      const started = process.hrtime.bigint();
      totals[name].bytes += (await once(t)).bytes;
      totals[name].ns += process.hrtime.bigint() - started;
    }
  }
  return Object.fromEntries(
    Object.entries(totals).map(([name, { bytes, ns }]) => [
      name,
      { mbPerSecond: bytes / 1024 / 1024 / (Number(ns) / 1e9), bytes, perResponse: bytes / requests },
    ]),
  );
}

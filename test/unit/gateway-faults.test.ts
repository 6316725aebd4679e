/**
 * Fault campaign (issue #6): thousands of requests through the real metering gateway — started the
 * way a run in api mode starts it (`startApiBilling` → `startGateway`) — to the real simulator on
 * 127.0.0.1, each with its own injected fault: 529, 429 with and without the unified rate-limit
 * headers, slow first byte and events, streams cut mid-event, an overloaded `error` event mid-stream,
 * malformed SSE and JSON bodies, upstream stalls past the gateway's timeouts, an upstream that is
 * down, an API key the upstream refuses, the thinking-signature retry meeting any of these, and
 * clients that go away at any point or read slowly; streaming and non-streaming, small and large
 * replies, one at a time and in bursts, over fresh and kept-alive connections.
 *
 * Every request carries its own Claude session id, so the simulator hands each its own script
 * (whatever order concurrent requests arrive in) and its ledger row can be found. For every
 * request the campaign asserts:
 *
 * - it ends before a deadline (no hang);
 * - the client gets what the upstream answered or a well-formed gateway error (a complete event
 *   stream, a message, a JSON error of type "error", the upstream's malformed body as it came), or
 *   a connection closed before the response completed — never a broken stream passed off as whole;
 * - at most one ledger row, and exactly one once the request reached the forwarding stage (the
 *   client got an answer, or the simulator saw the request);
 * - the row bills what the simulator reported, no more: the full usage for a finished reply, and
 *   for a reply cut short the usage of the events that got through (message_start's, or the final
 *   message_delta's), priced for the response's model; an aborted request bills a prefix of that.
 *
 * After each scenario, no upstream exchange is left open (a client that leaves, a stall past the
 * gateway's timeouts: the gateway cuts the upstream request). After the campaign: the gateways'
 * in-memory run spend (what caps are checked against) equals the ledger's, no session has two
 * rows, no row belongs to a request never sent, and memory after GC (heap and Buffers) has not
 * grown beyond a bound.
 *
 * Inputs are reproducible from the seeds (a failure prints its seed and path: pass both to
 * `fc.assert` to replay it); the interleaving of concurrent requests is not, so the invariants are
 * stated to hold for every interleaving.
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createParser } from "eventsource-parser";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { type Gateway, startGateway } from "../../src/gateway/server.js";
import { createPricing } from "../../src/pricing/pricing.js";
import type { TokenUsage } from "../../src/pricing/token-usage.js";
import { startApiBilling } from "../../src/session/api-billing.js";
import {
  type RequestLogEntry,
  type ResponseScript,
  type Simulator,
  startSimulator,
  type UsageNumbers,
} from "../../src/simulator/index.js";
import { buildReply } from "../../src/simulator/reply.js";
import { replyEvents } from "../../src/simulator/sse.js";
import { mintThinkingSignature } from "../../src/simulator/thinking-signature.js";
import { type Ledger, openLedger } from "../../src/usage/ledger.js";
import type { RequestOutcome } from "../../src/usage/ledger-records.js";
import { SpendTracker } from "../../src/usage/spend.js";
import { NO_CAPS } from "../support/caps.js";

// ── the campaign's knobs ──────────────────────────────────────────────────────────────────────

const MIXED_SEED = 20_260_601;
const MIXED_RUNS = 100;
const BURST_SEED = 20_260_602;
const BURST_RUNS = 15;
/** The campaign must send at least this many requests, or it proves less than it claims. */
const MIN_REQUESTS = 2000;

const KEY = "sk-ant-api03-test-fault-campaign-0000000000000000";
/** A key the simulator refuses (it accepts only KEY). */
const REFUSED_KEY = "sk-ant-api03-test-fault-campaign-refused-00000000";
const REQUESTED_MODEL = "claude-sonnet-4-5";
const UNPRICED_MODEL = "claude-fault-campaign-unpriced";
const RESPONSE_MODELS = [
  "claude-sonnet-4-5-20250929",
  "claude-haiku-4-5-20251001",
  "claude-opus-4-1-20250805",
  "claude-sonnet-4-20250514",
  UNPRICED_MODEL,
];
/** Every reply is padded to this many bytes, so a leaked response would show in the heap. */
const REPLY_BYTES = 4096;
/** A request that has not ended by then hangs. Generous: the machine may be loaded. */
const REQUEST_DEADLINE_MS = 20_000;
/** Headers / body timeout of the two gateways that meet stalled upstreams. */
const STALL_TIMEOUT_MS = 100;
/**
 * How long a stalled or holding upstream waits: far past any timeout and deadline here, so an
 * upstream exchange the gateway failed to cut would still be open when the scenario ends.
 */
const HOLD_MS = 60_000;
/** A scenario's upstream exchanges must all have ended this long after its last client did. */
const UPSTREAM_END_WAIT_MS = 10_000;
/** A property that has not finished by then fails (fast-check's own bound, shrinking included). */
const PROPERTY_TIME_LIMIT_MS = 150_000;
/**
 * Memory after GC (heap + Buffers) may grow this much over the campaign, a few times its noise: a
 * leak of anything per request the size of a request body (up to 32 KiB) or reply (4 KiB and
 * more) would exceed it; smaller leaks would not.
 */
const HEAP_GROWTH_BOUND = 16 * 1024 * 1024;
const RSS_GROWTH_BOUND = 128 * 1024 * 1024;

// ── scenarios ─────────────────────────────────────────────────────────────────────────────────

type Fault =
  | { kind: "none" }
  | { kind: "slow"; firstByteDelayMs: number; eventDelayMs: number }
  | { kind: "overloaded" | "throttle" | "usage-limit"; retryAfterSeconds: number | null }
  /** The upstream cuts the stream mid-event after this many events (a JSON body: mid-body). */
  | { kind: "drop"; afterEvents: number }
  /** The stream ends with an overloaded `error` event after this many events, before message_stop (JSON: 529). */
  | { kind: "stream-error"; afterEvents: number }
  | { kind: "malformed" }
  /** The upstream sends no head for longer than the gateway's headers timeout. */
  | { kind: "stall-head" }
  /** The upstream stops after message_start for longer than the gateway's body timeout. */
  | { kind: "stall-body" }
  /** The gateway's upstream is a closed port. */
  | { kind: "down" }
  /** The upstream refuses the gateway's API key (401): the gateway says so with a 402. */
  | { kind: "key-refused" }
  /**
   * The upstream holds the head, or the stream after message_start, and the client gives up: the
   * gateway must cut the upstream exchange (its own timeouts are minutes away).
   */
  | { kind: "hold"; where: "head" | "body" };

/** When the client goes away. */
type ClientAbort =
  | { at: "never" }
  /** Half the body sent (with the whole length declared), then the connection closed. */
  | { at: "mid-body" }
  /** As soon as the simulator has the request. */
  | { at: "upstream" }
  | { at: "headers" }
  | { at: "bytes"; bytes: number }
  | { at: "ms"; ms: number };

interface RequestSpec {
  fault: Fault;
  /**
   * The conversation carries a thinking block signed under the subscription, and the upstream first
   * rejects it: the gateway retries without it, and the fault meets the retry.
   */
  thinkingRetry: boolean;
  stream: boolean;
  keepAlive: boolean;
  /** Reads a pause at a time, so a large reply backs up through the gateway to the upstream. */
  slowReader: boolean;
  abort: ClientAbort;
  responseModel: string;
  textLength: number;
  /** Pads the reply to this size (else REPLY_BYTES). */
  replyBytes: number | null;
  promptBytes: number;
  usage: Partial<UsageNumbers> | null;
}

interface Scenario {
  requests: RequestSpec[];
  concurrency: number;
}

/**
 * The faults. A stall costs about a second of wall time whatever the timeout (undici's headers and
 * body timers tick at ~1 s), so stalls come only in bursts, where they overlap with the rest.
 */
const faultArb = (stalls: boolean): fc.Arbitrary<Fault> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant({ kind: "none" as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("slow" as const),
        firstByteDelayMs: fc.integer({ min: 1, max: 15 }),
        eventDelayMs: fc.integer({ min: 0, max: 2 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constantFrom("overloaded" as const, "throttle" as const, "usage-limit" as const),
        retryAfterSeconds: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("drop" as const),
        afterEvents: fc.integer({ min: 0, max: 40 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("stream-error" as const),
        afterEvents: fc.integer({ min: 0, max: 40 }),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: "malformed" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "down" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "key-refused" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("hold" as const), where: fc.constantFrom("head", "body") }),
    },
    { weight: stalls ? 1 : 0, arbitrary: fc.constant({ kind: "stall-head" as const }) },
    { weight: stalls ? 1 : 0, arbitrary: fc.constant({ kind: "stall-body" as const }) },
  );

const abortArb: fc.Arbitrary<ClientAbort> = fc.oneof(
  { weight: 14, arbitrary: fc.constant({ at: "never" as const }) },
  { weight: 1, arbitrary: fc.constant({ at: "mid-body" as const }) },
  { weight: 1, arbitrary: fc.constant({ at: "upstream" as const }) },
  { weight: 1, arbitrary: fc.constant({ at: "headers" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ at: fc.constant("bytes" as const), bytes: fc.integer({ min: 1, max: 6000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ at: fc.constant("ms" as const), ms: fc.integer({ min: 0, max: 30 }) }),
  },
);

const usageArb: fc.Arbitrary<Partial<UsageNumbers> | null> = fc.option(
  fc.record(
    {
      // Now and then past 200k prompt tokens: the long-context tier of the models that have one.
      inputTokens: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 150_000, max: 300_000 })),
      outputTokens: fc.integer({ min: 0, max: 4000 }),
      cacheWrite5mTokens: fc.integer({ min: 0, max: 20_000 }),
      cacheWrite1hTokens: fc.integer({ min: 0, max: 20_000 }),
      cacheReadTokens: fc.integer({ min: 0, max: 50_000 }),
      webSearchRequests: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  { nil: null },
);

const requestArb = (stalls: boolean): fc.Arbitrary<RequestSpec> =>
  fc
    .record({
      fault: faultArb(stalls),
      // One request in five.
      thinkingRetry: fc.nat(4).map((n) => n === 0),
      stream: fc.boolean(),
      keepAlive: fc.boolean(),
      slowReader: fc.nat(3).map((n) => n === 0),
      abort: abortArb,
      responseModel: fc.constantFrom(...RESPONSE_MODELS),
      textLength: fc.integer({ min: 0, max: 600 }),
      // Now and then a large reply, more than the sockets between upstream and client hold.
      replyBytes: fc.oneof(
        { weight: 19, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.integer({ min: 512 * 1024, max: 3 * 1024 * 1024 }) },
      ),
      promptBytes: fc.integer({ min: 0, max: 32 * 1024 }),
      usage: usageArb,
    })
    .map((spec) => {
      const fault = spec.fault;
      // A stalled body is a stalled event stream: a JSON body has no events to stall between.
      if (fault.kind === "stall-body") return { ...spec, stream: true };
      if (fault.kind !== "hold") return spec;
      // Only the client ends a hold: it leaves once the upstream has the request, or (a held
      // stream) once the head or the first bytes are in.
      const stream = spec.stream || fault.where === "body";
      const { at } = spec.abort;
      if (fault.where === "body" && at === "bytes") return { ...spec, stream, abort: { at, bytes: 1 } };
      if (at === "upstream" || (fault.where === "body" && at === "headers")) return { ...spec, stream };
      return { ...spec, stream, abort: { at: "upstream" as const } };
    });

const scenarioArb = (options: {
  requests: { min: number; max: number };
  concurrency: { min: number; max: number };
  stalls: boolean;
}) =>
  fc.record({
    requests: fc.array(requestArb(options.stalls), {
      minLength: options.requests.min,
      maxLength: options.requests.max,
      size: "max",
    }),
    concurrency: fc.integer(options.concurrency),
  });

// ── what each fault must lead to ──────────────────────────────────────────────────────────────

/** How much of a reply's usage the gateway saw: nothing, message_start's, or the final message_delta's. */
type TokenState = "none" | "start" | "final";
const TOKEN_STATES: readonly TokenState[] = ["none", "start", "final"];

/** What a request that the client does not abort must come to. */
interface Natural {
  /**
   * A complete answer with this status (and error type), from the upstream or made by the gateway,
   * or a connection closed (after at most this status).
   */
  client: {
    end: "complete" | "closed";
    status: number;
    errorType: string | null;
    by: "upstream" | "gateway";
  };
  outcome: RequestOutcome;
  httpStatus: number;
  errorType: string | null;
  /** The usage the row bills. */
  tokens: TokenState;
  /** The status the upstream answered, when the simulator answered at all. */
  upstreamStatus: number | null;
}

function replyText(length: number): string {
  return "Fault campaign reply text. ".repeat(Math.ceil(length / 27)).slice(0, length);
}

/** Thinking as Claude Code asks for it: signed blocks without their text (a layout that does not vary). */
const THINKING = { type: "enabled", budget_tokens: 1024, display: "omitted" };

/** The simulator's own event sequence for a scripted reply (its layout, not a copy of it). */
function eventTypes(spec: RequestSpec, script: ResponseScript): string[] {
  const reply = buildReply({
    body: { model: REQUESTED_MODEL, messages: [], ...(spec.thinkingRetry ? { thinking: THINKING } : {}) },
    bodyLength: 0,
    billing: "api",
    seq: 1,
    defaults: { responseModel: null, usage: {}, replyBytes: REPLY_BYTES },
    script,
  });
  return [...replyEvents(reply)].map((event) => event.type);
}

/** The usage the gateway sees of a stream cut after `complete` whole events. */
function stateAfterEvents(types: string[], complete: number): TokenState {
  if (complete === 0) return "none";
  return complete > types.indexOf("message_delta") ? "final" : "start";
}

/** The request's scripts, in the order its upstream requests take them. */
function scriptsFor(sid: string, spec: RequestSpec): ResponseScript[] {
  const script = scriptFor(sid, spec);
  if (!script) return [];
  return spec.thinkingRetry ? [{ sessionId: sid, fault: "thinking-signature" }, script] : [script];
}

function scriptFor(sid: string, spec: RequestSpec): ResponseScript | null {
  const base: ResponseScript = {
    sessionId: sid,
    text: replyText(spec.textLength),
    ...(spec.replyBytes === null ? {} : { replyBytes: spec.replyBytes }),
    responseModel: spec.responseModel,
    ...(spec.usage ? { usage: spec.usage } : {}),
  };
  const fault = spec.fault;
  switch (fault.kind) {
    case "none":
      return base;
    case "slow":
      return { ...base, firstByteDelayMs: fault.firstByteDelayMs, eventDelayMs: fault.eventDelayMs };
    case "overloaded":
    case "throttle":
    case "usage-limit":
      return {
        ...base,
        fault: fault.kind,
        ...(fault.retryAfterSeconds === null ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
      };
    case "drop":
      return { ...base, fault: "drop", dropAfterEvents: fault.afterEvents };
    case "stream-error":
      // The error comes before message_stop: the API never sends one after the reply ended.
      return {
        ...base,
        fault: "stream-error",
        dropAfterEvents: Math.min(fault.afterEvents, eventTypes(spec, base).length - 1),
      };
    case "malformed":
      return { ...base, fault: "malformed" };
    case "stall-head":
      return { ...base, firstByteDelayMs: HOLD_MS };
    case "stall-body":
      return { ...base, eventDelayMs: HOLD_MS };
    case "hold":
      return fault.where === "head"
        ? { ...base, firstByteDelayMs: HOLD_MS }
        : { ...base, eventDelayMs: HOLD_MS };
    case "down":
      return null;
    case "key-refused":
      // Refused before any script is taken.
      return null;
  }
}

const byGateway = (natural: Natural): Natural => ({
  ...natural,
  client: { ...natural.client, by: "gateway" },
});

function naturalOf(spec: RequestSpec, script: ResponseScript | null): Natural {
  const answered = (
    status: number,
    outcome: RequestOutcome,
    errorType: string | null,
    tokens: TokenState,
  ) => ({
    client: { end: "complete" as const, status, errorType, by: "upstream" as const },
    outcome,
    httpStatus: status,
    errorType,
    tokens,
    upstreamStatus: status,
  });
  const fault = spec.fault;
  switch (fault.kind) {
    case "none":
    case "slow":
      return answered(200, "ok", null, "final");
    case "overloaded":
      return answered(529, "error", "overloaded_error", "none");
    case "throttle":
    case "usage-limit":
      return answered(429, "error", "rate_limit_error", "none");
    case "stream-error":
      return spec.stream && script
        ? answered(
            200,
            "error",
            "overloaded_error",
            stateAfterEvents(eventTypes(spec, script), script.dropAfterEvents!),
          )
        : answered(529, "error", "overloaded_error", "none");
    case "malformed":
      // The stream's second event does not parse; a JSON body does not parse at all.
      return answered(200, "upstream_error", null, spec.stream ? "start" : "none");
    case "drop":
      return {
        client: { end: "closed", status: 200, errorType: null, by: "upstream" },
        outcome: "upstream_error",
        httpStatus: 200,
        errorType: null,
        tokens:
          spec.stream && script ? stateAfterEvents(eventTypes(spec, script), fault.afterEvents) : "none",
        upstreamStatus: 200,
      };
    case "stall-body":
      return {
        client: { end: "closed", status: 200, errorType: null, by: "upstream" },
        outcome: "upstream_error",
        httpStatus: 200,
        errorType: null,
        tokens: "start",
        upstreamStatus: 200,
      };
    case "stall-head":
      return { ...byGateway(answered(504, "upstream_error", "timeout_error", "none")), upstreamStatus: null };
    case "down":
      return { ...byGateway(answered(502, "upstream_error", "api_error", "none")), upstreamStatus: null };
    case "key-refused":
      // Passed on, a 401 would make Claude Code advise /login: the client gets a 402 naming the key.
      return {
        ...answered(401, "error", "authentication_error", "none"),
        client: { end: "complete", status: 402, errorType: "billing_error", by: "gateway" },
      };
    case "hold":
      // Never ends by itself: only "aborted" is a possible row, billing at most what came before the hold.
      return {
        client: { end: "closed", status: 200, errorType: null, by: "upstream" },
        outcome: "aborted",
        httpStatus: 200,
        errorType: null,
        tokens: fault.where === "body" ? "start" : "none",
        upstreamStatus: fault.where === "body" ? 200 : null,
      };
  }
}

// ── the client ────────────────────────────────────────────────────────────────────────────────

type ClientResult =
  | { end: "complete"; status: number; headers: IncomingHttpHeaders; body: Buffer }
  /** The connection closed before the response completed; `status` if its head had arrived. */
  | { end: "closed"; status: number | null }
  /** The client went away (`status` if the head had arrived). */
  | { end: "aborted"; status: number | null }
  | { end: "hang" };

/** Called when the simulator receives a request of the session: the "upstream" abort point. */
const upstreamWaiters = new Map<string, () => void>();

/** A slow reader stops this long after each READ_BURST bytes. */
const READ_PAUSE_MS = 20;
const READ_BURST = 256 * 1024;

function exchange(
  gateway: Gateway,
  agent: Agent | false,
  sid: string,
  body: Buffer,
  spec: Pick<RequestSpec, "abort" | "slowReader">,
): Promise<ClientResult> {
  const { abort } = spec;
  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    let abortTimer: NodeJS.Timeout | undefined;
    const settle = (result: ClientResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(abortTimer);
      upstreamWaiters.delete(sid);
      resolve(result);
    };
    const req = request({
      host: "127.0.0.1",
      port: gateway.port,
      method: "POST",
      path: "/v1/messages?beta=true",
      agent,
      headers: {
        host: `127.0.0.1:${gateway.port}`,
        authorization: `Bearer ${gateway.secret}`,
        "content-type": "application/json",
        "content-length": String(body.length),
        "anthropic-version": "2023-06-01",
        "x-claude-code-session-id": sid,
      },
    });
    const abortNow = () => {
      if (settled) return;
      req.destroy();
      settle({ end: "aborted", status });
    };
    const deadline = setTimeout(() => {
      req.destroy();
      settle({ end: "hang" });
    }, REQUEST_DEADLINE_MS);
    req.on("error", () => settle({ end: "closed", status }));
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      if (abort.at === "headers") {
        abortNow();
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      let unpaused = 0;
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (abort.at === "bytes" && bytes >= abort.bytes) abortNow();
        unpaused += chunk.length;
        if (spec.slowReader && unpaused >= READ_BURST && !settled) {
          unpaused = 0;
          res.pause();
          setTimeout(() => res.resume(), READ_PAUSE_MS);
        }
      });
      res.on("end", () => {
        settle(
          res.complete
            ? {
                end: "complete",
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
              }
            : { end: "closed", status },
        );
      });
      res.on("error", () => settle({ end: "closed", status }));
      res.on("close", () => settle({ end: "closed", status }));
    });
    if (abort.at === "upstream") upstreamWaiters.set(sid, abortNow);
    if (abort.at === "ms") abortTimer = setTimeout(abortNow, abort.ms);
    if (abort.at === "mid-body") req.write(body.subarray(0, body.length >> 1), abortNow);
    else req.end(body);
  });
}

// ── the harness ───────────────────────────────────────────────────────────────────────────────

type TargetName = "main" | "stalledHead" | "stalledBody" | "down" | "wrongKey";

function targetOf(fault: Fault): TargetName {
  switch (fault.kind) {
    case "key-refused":
      return "wrongKey";
    case "stall-head":
      return "stalledHead";
    case "stall-body":
      return "stalledBody";
    case "down":
      return "down";
    default:
      return "main";
  }
}

interface Target {
  gateway: Gateway;
  runId: string;
  spend: SpendTracker;
  agent: Agent;
}

interface Sent {
  sid: string;
  spec: RequestSpec;
  natural: Natural;
  result: ClientResult;
}

interface Row {
  run_id: string;
  claude_session_id: string | null;
  requested_model: string | null;
  model: string | null;
  http_status: number | null;
  outcome: RequestOutcome;
  error_type: string | null;
  request_id: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  web_search_requests: number;
  cost_nanousd: number | null;
  long_context: number;
}

const pricing = createPricing(DEFAULT_CONFIG.pricing);
let dir: string;
let ledger: Ledger;
let sim: Simulator;
let targets: Record<TargetName, Target>;
/** What the simulator said about each request it received, by session id. */
const simulated = new Map<string, RequestLogEntry>();
/** Requests whose row may still come (the client left before the gateway showed it had the request). */
const pending: Sent[] = [];
const sentSessions = new Set<string>();
let nextSession = 0;
const tally = {
  requests: 0,
  streams: 0,
  thinkingRetries: 0,
  aborted: 0,
  closed: 0,
  faults: {} as Record<string, number>,
};
let baselineMemory = 0;
let warmUpRequests = 0;

const gc = (() => {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
})();

/** JS heap plus the memory of Buffers (kept outside the heap) after a full GC when GC can be forced, else RSS. */
async function memoryInUse(): Promise<number> {
  if (!gc) return process.memoryUsage().rss;
  // Between collections, finalizers and socket clean-ups that the first one unblocks get to run.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function apiModeGateway(upstream: string, key = KEY): Promise<Target> {
  const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
  const spend = new SpendTracker(ledger, runId);
  const gateway = await startApiBilling({
    // No cap: a refusal before forwarding is not what this campaign is about (the caps have their own tests).
    config: { ...DEFAULT_CONFIG, ...NO_CAPS, upstream_url: upstream },
    caps: () => NO_CAPS,
    key: { key, source: "env" },
    env: {},
    spend: () => spend,
    onEvent: () => {},
  });
  return { gateway, runId, spend, agent: new Agent({ keepAlive: true, maxSockets: 4 }) };
}

/** A gateway with tight upstream timeouts, for the stalled upstreams (not settable in the config). */
async function stalledGateway(timeouts: {
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}): Promise<Target> {
  const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
  const spend = new SpendTracker(ledger, runId);
  const gateway = await startGateway({
    upstream: new URL(sim.url),
    apiKey: KEY,
    pricing,
    spend,
    caps: () => NO_CAPS,
    ...timeouts,
  });
  return { gateway, runId, spend, agent: new Agent({ keepAlive: true, maxSockets: 4 }) };
}

function rowsOf(sid: string): Row[] {
  return ledger.db.prepare("SELECT * FROM requests WHERE claude_session_id = ?").all(sid) as Row[];
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function requestBody(sid: string, spec: RequestSpec): Buffer {
  const prompt = { role: "user", content: `fault campaign ${sid} ${"p".repeat(spec.promptBytes)}` };
  const earlier = [
    { role: "user", content: "an earlier question, on the subscription" },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "", signature: mintThinkingSignature("subscription", `msg_${sid}`) },
        { type: "text", text: "an earlier answer" },
      ],
    },
  ];
  return Buffer.from(
    JSON.stringify({
      model: REQUESTED_MODEL,
      max_tokens: 1024,
      stream: spec.stream,
      messages: spec.thinkingRetry ? [...earlier, prompt] : [prompt],
      ...(spec.thinkingRetry ? { thinking: THINKING } : {}),
      metadata: { user_id: JSON.stringify({ session_id: sid }) },
    }),
  );
}

// ── the invariants ────────────────────────────────────────────────────────────────────────────

function describeSent(sent: Sent): string {
  return `${sent.sid} ${JSON.stringify(sent.spec)} → ${JSON.stringify({ ...sent.result, body: undefined, headers: undefined })}`;
}

interface ParsedEvent {
  event: string | undefined;
  data: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the checks walk arbitrary event JSON and assert on it.
type Json = Record<string, any>;

function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  createParser({ onEvent: ({ event, data }) => events.push({ event, data }) }).feed(text);
  return events;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The answer of a request the client did not abort: what the upstream sent, or a gateway error. */
function checkAnswer(sent: Sent): void {
  const { spec, natural, result } = sent;
  const where = describeSent(sent);
  expect(result.end, where).toBe(natural.client.end);
  if (result.end === "closed") {
    // The head may or may not have made it before the close; if it did, it is the upstream's.
    if (result.status !== null) expect(result.status, where).toBe(natural.client.status);
    return;
  }
  if (result.end !== "complete") return;
  expect(result.status, where).toBe(natural.client.status);
  const text = result.body.toString("utf8");
  const contentType = String(result.headers["content-type"] ?? "");
  const entry = simulated.get(sent.sid);
  if (result.status >= 400) {
    expect(contentType, where).toContain("application/json");
    expect(tryJson(text), where).toEqual({
      type: "error",
      error: { type: natural.client.errorType, message: expect.any(String) },
      ...(natural.client.by === "gateway" ? {} : { request_id: expect.any(String) }),
    });
    const fault = spec.fault;
    if (natural.client.by === "gateway") {
      expect(text, where).toContain("claude-fallback gateway");
      // The key is named masked, never in full.
      for (const key of [KEY, REFUSED_KEY]) expect(text, where).not.toContain(key.slice(0, 24));
      if (fault.kind === "key-refused")
        expect(text, where).toContain(`refused the configured API key sk-ant-…`);
      return;
    }
    expect(result.headers["request-id"], where).toEqual(expect.any(String));
    if ("retryAfterSeconds" in fault) {
      expect(result.headers["retry-after"], where).toBe(
        fault.retryAfterSeconds === null ? undefined : String(fault.retryAfterSeconds),
      );
    }
    const unified = result.headers["anthropic-ratelimit-unified-status"];
    if (fault.kind === "usage-limit") expect(unified, where).toBe("rejected");
    if (fault.kind === "throttle") {
      expect(
        Object.keys(result.headers).filter((name) => name.startsWith("anthropic-ratelimit-unified")),
        where,
      ).toEqual([]);
    }
    return;
  }
  expect(entry, where).toBeDefined();
  const usage = entry!.usage!;
  if (spec.fault.kind === "malformed") {
    // The upstream's body, passed through as it came.
    if (spec.stream) {
      const events = parseSse(text);
      expect(
        events.map((event) => event.event),
        where,
      ).toEqual(["message_start", "content_block_start"]);
      expect(tryJson(events[1]!.data), where).toBeUndefined();
    } else {
      expect(contentType, where).toContain("application/json");
      expect(tryJson(text), where).toBeUndefined();
    }
    return;
  }
  if (spec.stream) {
    expect(contentType, where).toContain("text/event-stream");
    const events = parseSse(text).map(({ event, data }) => ({ event, data: tryJson(data) as Json }));
    for (const { event, data } of events) expect(data?.type, where).toBe(event);
    if (spec.fault.kind === "stream-error") {
      // A well-formed stream that ends in the API's error event.
      expect(events.at(-1)?.data, where).toEqual({
        type: "error",
        error: { type: "overloaded_error", message: expect.any(String) },
      });
      expect(
        events.map((event) => event.event).filter((event) => event === "message_stop"),
        where,
      ).toEqual([]);
      return;
    }
    expect(events[0]?.event, where).toBe("message_start");
    expect(events.at(-1)?.event, where).toBe("message_stop");
    expect(events[0]!.data.message.model, where).toBe(spec.responseModel);
    const delta = events.find((event) => event.event === "message_delta");
    expect(delta?.data.usage.output_tokens, where).toBe(usage.outputTokens);
    const replied = events
      .filter((event) => event.data.delta?.type === "text_delta")
      .map((event) => event.data.delta.text)
      .join("");
    expect(replied.startsWith(replyText(spec.textLength)), where).toBe(true);
  } else {
    const message = tryJson(text) as Json | undefined;
    expect(message, where).toMatchObject({
      type: "message",
      model: spec.responseModel,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    });
  }
}

function tokensOf(usage: UsageNumbers, state: "start" | "final"): TokenUsage {
  return {
    input_tokens: usage.inputTokens,
    // message_start reports at most one output token so far; message_delta the final count.
    output_tokens: state === "final" ? usage.outputTokens : Math.min(1, usage.outputTokens),
    cache_creation_5m_input_tokens: usage.cacheWrite5mTokens,
    cache_creation_1h_input_tokens: usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    server_tool_use: { web_search_requests: usage.webSearchRequests, web_fetch_requests: 0 },
  };
}

/** The billing columns a row must hold when the gateway saw `state` of the simulator's reply. */
function billed(sent: Sent, state: TokenState): Partial<Row> {
  const none = {
    model: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    cache_read_tokens: 0,
    web_search_requests: 0,
    cost_nanousd: 0,
    long_context: 0,
  };
  if (state === "none") return none;
  const entry = simulated.get(sent.sid);
  // Usage billed for a reply the simulator never made would be money out of nowhere.
  if (!entry?.usage || !entry.responseModel) return { ...none, model: "(the simulator sent no reply)" };
  const tokens = tokensOf(entry.usage, state);
  const cost = pricing.cost(entry.responseModel, tokens);
  return {
    model: entry.responseModel,
    input_tokens: tokens.input_tokens,
    output_tokens: tokens.output_tokens,
    cache_write_5m_tokens: tokens.cache_creation_5m_input_tokens,
    cache_write_1h_tokens: tokens.cache_creation_1h_input_tokens,
    cache_read_tokens: tokens.cache_read_input_tokens,
    web_search_requests: entry.usage.webSearchRequests,
    cost_nanousd: cost.known ? cost.nanoUsd : null,
    long_context: cost.known && cost.longContext ? 1 : 0,
  };
}

const pick = (row: Row, like: Partial<Row>): Partial<Row> =>
  Object.fromEntries(Object.keys(like).map((key) => [key, row[key as keyof Row]]));

function checkRow(sent: Sent, row: Row): void {
  const { natural, result } = sent;
  const where = `${describeSent(sent)}\nrow ${JSON.stringify(row)}`;
  expect(row.requested_model, where).toBe(REQUESTED_MODEL);
  if (row.outcome !== "aborted" || result.end !== "aborted") {
    // What the upstream did, billed exactly as far as the gateway saw it.
    expect({ outcome: row.outcome, http_status: row.http_status, error_type: row.error_type }, where).toEqual(
      { outcome: natural.outcome, http_status: natural.httpStatus, error_type: natural.errorType },
    );
    const expected = billed(sent, natural.tokens);
    expect(pick(row, expected), where).toEqual(expected);
    if (result.end === "complete" && natural.client.by === "upstream") {
      expect(row.request_id, where).toBe(result.headers["request-id"]);
    }
    return;
  }
  // The client went away: the row bills a prefix of what the upstream would have billed, and
  // names the upstream's status only if the gateway had it.
  expect([null, natural.upstreamStatus], where).toContain(row.http_status);
  expect([null, natural.errorType], where).toContain(row.error_type);
  const reachable = TOKEN_STATES.slice(0, TOKEN_STATES.indexOf(natural.tokens) + 1);
  const candidates = (row.http_status === null ? ["none" as const] : reachable).map((state) =>
    billed(sent, state),
  );
  expect(candidates, where).toContainEqual(pick(row, candidates[0]!));
}

/** Runs one scenario and checks every request of it. */
async function runScenario(scenario: Scenario): Promise<void> {
  const batch = scenario.requests.map((spec) => {
    const sid = `fault-campaign-${String(nextSession++).padStart(6, "0")}`;
    sentSessions.add(sid);
    sim.enqueue(...scriptsFor(sid, spec));
    return { sid, spec, natural: naturalOf(spec, scriptFor(sid, spec)) };
  });
  const done: Sent[] = [];
  await inParallel(batch, scenario.concurrency, async (item) => {
    const target = targets[targetOf(item.spec.fault)];
    const agent = item.spec.keepAlive ? target.agent : false;
    const result = await exchange(
      target.gateway,
      agent,
      item.sid,
      requestBody(item.sid, item.spec),
      item.spec,
    );
    done.push({ ...item, result });
  });

  for (const sent of done) {
    tally.requests += 1;
    tally.streams += sent.spec.stream ? 1 : 0;
    tally.thinkingRetries += sent.spec.thinkingRetry ? 1 : 0;
    tally.faults[sent.spec.fault.kind] = (tally.faults[sent.spec.fault.kind] ?? 0) + 1;
    expect(sent.result.end, describeSent(sent)).not.toBe("hang");
    if (sent.result.end === "aborted") tally.aborted += 1;
    else checkAnswer(sent);
    if (sent.result.end === "closed") tally.closed += 1;
  }

  // Reached the forwarding stage: the client got a head, or the simulator got the request.
  const mustHaveRow = (sent: Sent) =>
    ("status" in sent.result && sent.result.status !== null) || simulated.has(sent.sid);
  await waitFor(
    () => done.every((sent) => !mustHaveRow(sent) || rowsOf(sent.sid).length > 0),
    "a ledger row for every forwarded request",
  );
  // Nothing left behind upstream: every exchange the gateway opened for these requests has ended,
  // whether the answer finished, the upstream failed, the gateway timed out or the client left.
  await waitFor(() => sim.state().openRequests === 0, "every upstream exchange to end", UPSTREAM_END_WAIT_MS);
  for (const sent of done) {
    const rows = rowsOf(sent.sid);
    expect(rows.length, describeSent(sent)).toBeLessThanOrEqual(1);
    if (rows[0]) checkRow(sent, rows[0]);
    else pending.push(sent);
    if (rows[0] || !mustHaveRow(sent)) simulated.delete(sent.sid);
  }
}

function campaign(seed: number, numRuns: number, arb: fc.Arbitrary<Scenario>): Promise<void> {
  return fc.assert(
    fc.asyncProperty(arb, (scenario) => runScenario(scenario)),
    {
      seed,
      numRuns,
      interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS,
      markInterruptAsFailure: true,
    },
  );
}

// ── the campaign ──────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cf-fault-campaign-"));
  ledger = openLedger(join(dir, "usage.db"));
  sim = await startSimulator({
    requireApiKey: KEY,
    replyBytes: REPLY_BYTES,
    maxRecordedRequests: 50,
    onRequest: (entry) => {
      if (!entry.sessionId) return;
      simulated.set(entry.sessionId, entry);
      upstreamWaiters.get(entry.sessionId)?.();
    },
  });
  targets = {
    main: await apiModeGateway(sim.url),
    down: await apiModeGateway(`http://127.0.0.1:${await closedPort()}`),
    wrongKey: await apiModeGateway(sim.url, REFUSED_KEY),
    stalledHead: await stalledGateway({ headersTimeoutMs: STALL_TIMEOUT_MS }),
    stalledBody: await stalledGateway({ bodyTimeoutMs: STALL_TIMEOUT_MS }),
  };
  // Warm up every path once (JIT, pools, statements) before the memory baseline.
  const warmUp = fc.sample(requestArb(true), { seed: 1, numRuns: 60 });
  await runScenario({ requests: warmUp, concurrency: 8 });
  warmUpRequests = tally.requests;
  baselineMemory = await memoryInUse();
}, 120_000);

afterAll(async () => {
  // The simulator first: should a failed run have left upstream exchanges open, this ends them.
  await sim?.close();
  for (const target of Object.values(targets ?? {})) {
    await target.gateway.close();
    target.agent.destroy();
  }
  ledger?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("gateway fault campaign", () => {
  test(
    `mixed faults, a few requests at a time (seed ${MIXED_SEED}, ${MIXED_RUNS} runs)`,
    () =>
      campaign(
        MIXED_SEED,
        MIXED_RUNS,
        scenarioArb({ requests: { min: 1, max: 30 }, concurrency: { min: 1, max: 6 }, stalls: false }),
      ),
    PROPERTY_TIME_LIMIT_MS + 30_000,
  );

  test(
    `bursts of concurrent requests (seed ${BURST_SEED}, ${BURST_RUNS} runs)`,
    () =>
      campaign(
        BURST_SEED,
        BURST_RUNS,
        scenarioArb({ requests: { min: 30, max: 70 }, concurrency: { min: 8, max: 32 }, stalls: true }),
      ),
    PROPERTY_TIME_LIMIT_MS + 30_000,
  );

  test("afterwards: memory is bounded, spend in memory equals the ledger, and no request has two rows", async () => {
    expect(tally.requests - warmUpRequests, "requests sent by the properties").toBeGreaterThanOrEqual(
      MIN_REQUESTS,
    );
    const grown = (await memoryInUse()) - baselineMemory;
    expect(grown, "memory grown over the campaign, bytes").toBeLessThan(
      gc ? HEAP_GROWTH_BOUND : RSS_GROWTH_BOUND,
    );

    // Closed, no gateway has a request in hand: every row that will ever be written is written.
    for (const target of Object.values(targets)) await target.gateway.close();
    await new Promise((resolve) => setImmediate(resolve));

    for (const target of Object.values(targets)) {
      const { sum } = ledger.db
        .prepare("SELECT COALESCE(SUM(cost_nanousd), 0) AS sum FROM requests WHERE run_id = ?")
        .get(target.runId) as { sum: number };
      expect(target.spend.runSpend().nanoUsd).toBe(sum);
    }
    const perSession = ledger.db
      .prepare("SELECT claude_session_id AS sid, COUNT(*) AS n FROM requests GROUP BY claude_session_id")
      .all() as { sid: string | null; n: number }[];
    for (const { sid, n } of perSession) {
      expect(sentSessions.has(sid ?? ""), `row for ${sid}`).toBe(true);
      expect(n, `rows for ${sid}`).toBe(1);
    }
    for (const sent of pending) {
      const [row] = rowsOf(sent.sid);
      // A body never sent whole never reaches the forwarding stage.
      if (sent.spec.abort.at === "mid-body") expect(row, describeSent(sent)).toBeUndefined();
      if (row) checkRow(sent, row);
    }
    console.info(
      `fault campaign: ${tally.requests - warmUpRequests} requests + ${warmUpRequests} to warm up (${tally.streams} streaming, ${tally.thinkingRetries} retried without thinking), ` +
        `${tally.aborted} aborted by the client, ` +
        `${tally.closed} closed by the gateway, ${pending.length} without a row; faults ${JSON.stringify(tally.faults)}; ` +
        `${gc ? "heap + external" : "RSS"} grew ${(grown / 1048576).toFixed(1)} MiB`,
    );
  });
});

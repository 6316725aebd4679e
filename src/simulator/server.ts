import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import * as apiErrors from "./api-errors.js";
import { errorBody } from "./api-errors.js";
import { type Credential, detectCredential } from "./billing.js";
import { CONTROL_PREFIX, handleControl } from "./control.js";
import { answerStatus, BodyTooLarge, readBody, sendAnswer } from "./http-io.js";
import { newRequestId } from "./ids.js";
import { answerMessages, countTokens, type MessagesContext, type MessagesRequest } from "./messages.js";
import { findModel, modelList } from "./models.js";
import { Answers, credentialFacts, type Outcome } from "./outcome.js";
import { RequestLog } from "./request-log.js";
import { parseScript, parseSettingsPatch } from "./schema.js";
import { ScriptQueue } from "./script-queue.js";
import { type LimitSnapshot, SubscriptionLimit } from "./subscription-limit.js";
import type {
  LimitClaim,
  RecordedRequest,
  RequestLogEntry,
  ResponseScript,
  SimulatorOptions,
  SimulatorSettings,
} from "./types.js";

/** A running simulator. */
export interface Simulator {
  /** Base URL, `http://127.0.0.1:PORT`: what `ANTHROPIC_BASE_URL` should be. */
  readonly url: string;
  readonly port: number;
  /** Recent requests, oldest first (at most `maxRecordedRequests`), with full headers and parsed bodies. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** Changes settings from the next request on. Throws on an invalid value. */
  configure(patch: Partial<SimulatorSettings>): void;
  /** Queues scripts for the next message requests (FIFO; see {@link ResponseScript}). Throws on an invalid one. */
  enqueue(...scripts: ResponseScript[]): void;
  /** Ends the limit now: a fresh subscription window, nothing used. */
  liftLimit(): void;
  /** Hits the limit now (default claim: the `limitClaim` setting); it resets like a limit reached by use. */
  triggerLimit(claim?: LimitClaim): void;
  state(): SimulatorState;
  /** Stops listening, cuts open connections, closes the log. */
  close(): Promise<void>;
}

export interface SimulatorState {
  url: string;
  /** All requests so far, of any path. */
  requestCount: number;
  /** `POST /v1/messages` requests so far; the number shown in reply texts. */
  messageRequestCount: number;
  /**
   * API requests whose exchange has not ended: still being received, waiting for their answer, or
   * streaming it. A client that goes away ends its exchange; control requests are not counted.
   */
  openRequests: number;
  queuedScripts: number;
  settings: SimulatorSettings;
  limit: LimitSnapshot;
}

export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = {
  limitAfterRequests: null,
  limitAfterTokens: null,
  limitClaim: "five_hour",
  resetInSeconds: 5 * 3600,
  resetAt: null,
  warnAtUtilization: 0.8,
  responseModel: null,
  usage: {},
  replyBytes: null,
  replyDeltaBytes: null,
  requireApiKey: null,
  rejectForeignThinkingSignatures: false,
};

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_RECORDED_REQUESTS = 1000;
const SESSION_HEADER = "x-claude-code-session-id";

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

class SimulatorServer implements Simulator {
  url = "";
  port = 0;
  private settings: SimulatorSettings;
  private readonly now: () => number;
  private readonly limit: SubscriptionLimit;
  private readonly scripts = new ScriptQueue();
  private readonly answers: Answers;
  private readonly messagesContext: MessagesContext;
  private readonly recorded: RecordedRequest[] = [];
  private readonly maxRecorded: number;
  private readonly log: RequestLog | null;
  private readonly onRequest: SimulatorOptions["onRequest"];
  private readonly server: Server;
  private requestCount = 0;
  private messageRequestCount = 0;
  private openRequests = 0;
  private closed: Promise<void> | null = null;

  constructor(options: SimulatorOptions) {
    const { port: _port, now, logFile, maxRecordedRequests, onRequest, ...settings } = options;
    this.settings = { ...DEFAULT_SETTINGS, ...parseSettingsPatch(settings) };
    this.now = now ?? Date.now;
    this.limit = new SubscriptionLimit(this.now, () => this.settings);
    this.answers = new Answers(this.limit, this.now);
    this.messagesContext = {
      limit: this.limit,
      scripts: this.scripts,
      answers: this.answers,
      settings: () => this.settings,
      nextMessageSeq: () => ++this.messageRequestCount,
    };
    this.maxRecorded = maxRecordedRequests ?? DEFAULT_MAX_RECORDED_REQUESTS;
    this.log = logFile ? new RequestLog(logFile) : null;
    this.onRequest = onRequest;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  get requests(): ReadonlyArray<RecordedRequest> {
    return this.recorded;
  }

  configure(patch: Partial<SimulatorSettings>): void {
    this.settings = { ...this.settings, ...parseSettingsPatch(patch) };
  }

  enqueue(...scripts: ResponseScript[]): void {
    this.scripts.enqueue(...scripts.map(parseScript));
  }

  liftLimit(): void {
    this.limit.lift();
  }

  triggerLimit(claim?: LimitClaim): void {
    this.limit.trigger(claim);
  }

  state(): SimulatorState {
    return {
      url: this.url,
      requestCount: this.requestCount,
      messageRequestCount: this.messageRequestCount,
      openRequests: this.openRequests,
      queuedScripts: this.scripts.length,
      settings: { ...this.settings },
      limit: this.limit.snapshot(),
    };
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    }).finally(() => this.log?.close());
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange = new AbortController();
    res.once("close", () => exchange.abort());
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!url.pathname.startsWith(CONTROL_PREFIX)) {
      this.openRequests += 1;
      res.once("close", () => {
        this.openRequests -= 1;
      });
    }
    const method = req.method ?? "GET";
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      const tooLarge = apiErrors.apiError("request_too_large", error.message);
      res.writeHead(413, { "content-type": "application/json", connection: "close" });
      res.end(errorBody(tooLarge, newRequestId()));
      return;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const { status, body } = handleControl(this, method, url.pathname, raw);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
      return;
    }
    const body = parseJson(raw);
    const requestId = newRequestId();
    const outcome = this.route(method, url.pathname, req.headers, raw, body, requestId);
    outcome.answer.headers["request-id"] = requestId;
    const entry: RequestLogEntry = {
      time: new Date(this.now()).toISOString(),
      method,
      path: url.pathname,
      ...outcome.facts,
      status: answerStatus(outcome.answer),
      sessionId: headerValue(req.headers, SESSION_HEADER),
    };
    this.record(entry, { seq: this.requestCount, ...entry, url: req.url ?? "/", headers: req.headers, body });
    await sendAnswer(res, outcome.answer, outcome.misbehaviour ?? {}, exchange.signal);
  }

  /** Before the response goes out, so whoever has the response also finds the record and the log line. */
  private record(entry: RequestLogEntry, request: RecordedRequest): void {
    this.recorded.push(request);
    if (this.recorded.length > this.maxRecorded)
      this.recorded.splice(0, this.recorded.length - this.maxRecorded);
    this.log?.append(entry);
    this.onRequest?.(entry);
  }

  private route(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
    body: unknown,
    requestId: string,
  ): Outcome {
    this.requestCount += 1;
    const modelId = method === "GET" ? /^\/v1\/models\/([^/]+)$/.exec(path)?.[1] : undefined;
    const messagesRequest = (credential: Credential): MessagesRequest => ({
      credential,
      sessionId: headerValue(headers, SESSION_HEADER),
      raw,
      body,
      requestId,
    });
    if (method === "POST" && path === "/v1/messages") {
      return this.authenticated(headers, requestId, (credential) =>
        answerMessages(this.messagesContext, messagesRequest(credential)),
      );
    }
    if (method === "POST" && path === "/v1/messages/count_tokens") {
      return this.authenticated(headers, requestId, (credential) =>
        countTokens(this.answers, messagesRequest(credential)),
      );
    }
    if (method === "GET" && path === "/v1/models") {
      return this.authenticated(headers, requestId, (credential) => ({
        answer: this.answers.json(200, modelList(), credential, null),
        facts: credentialFacts(credential),
      }));
    }
    if (modelId !== undefined) {
      return this.authenticated(headers, requestId, (credential) => {
        const info = findModel(decodeURIComponent(modelId));
        const answer = info
          ? this.answers.json(200, info, credential, null)
          : this.answers.error(apiErrors.notFound(`model: ${modelId}`), requestId, credential, null);
        return { answer, facts: credentialFacts(credential) };
      });
    }
    return this.answers.failure(apiErrors.notFound("Not Found"), requestId);
  }

  private authenticated(
    headers: IncomingHttpHeaders,
    requestId: string,
    handler: (credential: Credential) => Outcome,
  ): Outcome {
    const credential = detectCredential(headers);
    if (!credential) return this.answers.failure(apiErrors.missingCredentials, requestId);
    const { requireApiKey } = this.settings;
    if (
      requireApiKey !== null &&
      credential.billing !== "subscription" &&
      credential.secret !== requireApiKey
    ) {
      return this.answers.failure(apiErrors.invalidApiKey, requestId, credentialFacts(credential));
    }
    return handler(credential);
  }
}

/**
 * Starts an Anthropic Messages API simulator on 127.0.0.1 (SPEC §9); `claude-fallback simulate`
 * (`cli/simulate.ts`) and the demo (`cli/demo.ts`) are its real uses.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new SimulatorServer(options);
  await simulator.listen(options.port ?? 0);
  return simulator;
}

/**
 * The first stage of every gateway request (SPEC §6): is it addressed to us, does it carry the
 * run's secret, is its target a path we forward, and its body within bounds. A request that fails
 * is answered here, before its body is read, and goes no further.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isLoopbackHost } from "../platform/loopback.js";
import { bearerMatcher } from "../platform/run-secret.js";
import { sendApiError } from "./errors.js";
import { topLevelFields } from "./request-fields.js";
import { checkRequestTarget } from "./request-target.js";

const MESSAGES_PATH = "/v1/messages";

export interface AdmittedRequest {
  body: Buffer;
  /** The origin-form target, as it came. */
  pathAndQuery: string;
  /** `POST /v1/messages`: billed, capped and metered. */
  isMessages: boolean;
  /** `model` and `metadata` of a Messages request (read without parsing the whole conversation). */
  fields: Record<string, unknown> | null;
}

class RequestTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      reject(new RequestTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) done(new RequestTooLarge());
    };
    const onEnd = () => done(null);
    const onFailure = () => done(new Error("request body cut short"));
    const done = (error: Error | null) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFailure);
      req.off("close", onFailure);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFailure);
    req.on("close", onFailure);
  });
}

/** An answer of ours: the connection is closed after it, so an unread (possibly huge) body is not drained. */
function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  res.setHeader("connection", "close");
  sendApiError(res, status, type, `claude-fallback gateway: ${message}`);
}

export class Admission {
  private readonly presentsSecret: (header: string | undefined) => boolean;
  /** The Host header already found to name this server (Claude Code sends the same one every time). */
  private acceptedHost: string | undefined;
  /** Set once the server listens. */
  port = 0;

  constructor(
    secret: string,
    private readonly maxRequestBytes: number,
  ) {
    this.presentsSecret = bearerMatcher(secret);
  }

  private addressedHere(host: string | undefined): boolean {
    if (host !== undefined && host === this.acceptedHost) return true;
    if (!isLoopbackHost(host, this.port)) return false;
    this.acceptedHost = host;
    return true;
  }

  /** The request with its body, or null when it was refused (and answered). */
  async admit(req: IncomingMessage, res: ServerResponse): Promise<AdmittedRequest | null> {
    if (!this.addressedHere(req.headers.host)) {
      refuse(res, 403, "permission_error", "requests must be addressed to 127.0.0.1");
      return null;
    }
    if (!this.presentsSecret(req.headers.authorization)) {
      refuse(res, 401, "authentication_error", "missing or wrong gateway token");
      return null;
    }
    const target = checkRequestTarget(req.url);
    if (!target.ok) {
      refuse(res, 400, "invalid_request_error", target.reason);
      return null;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.maxRequestBytes);
    } catch (error) {
      if (error instanceof RequestTooLarge) {
        refuse(res, 413, "request_too_large", `request larger than ${this.maxRequestBytes} bytes`);
      } else {
        res.destroy();
      }
      return null;
    }
    const path = target.pathAndQuery.split("?")[0];
    const isMessages = req.method === "POST" && path === MESSAGES_PATH;
    return {
      body,
      pathAndQuery: target.pathAndQuery,
      isMessages,
      fields: isMessages ? topLevelFields(body, ["model", "metadata"]) : null,
    };
  }
}

/** Claude Code names its session in `metadata.user_id` (a JSON string) and in a header. */
export function claudeSessionId(req: IncomingMessage, body: Record<string, unknown> | null): string | null {
  const metadata = body?.metadata;
  if (typeof metadata === "object" && metadata !== null) {
    const userId = (metadata as Record<string, unknown>).user_id;
    if (typeof userId === "string") {
      try {
        const parsed: unknown = JSON.parse(userId);
        if (typeof parsed === "object" && parsed !== null) {
          const sessionId = (parsed as Record<string, unknown>).session_id;
          if (typeof sessionId === "string") return sessionId;
        }
      } catch {
        const match = /session_([0-9a-f-]{36})/.exec(userId);
        if (match?.[1]) return match[1];
      }
    }
  }
  const header = req.headers["x-claude-code-session-id"];
  return typeof header === "string" ? header : null;
}

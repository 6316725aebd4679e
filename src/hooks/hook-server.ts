/**
 * The wrapper's loopback endpoint for Claude Code's `"type": "http"` hooks (SPEC §4.2).
 *
 * Claude Code POSTs each hook's JSON to `/hook/<EventName>` with our per-run secret as
 * `Authorization: Bearer …` and waits for the answer before it goes on, so the answer
 * (`200 {}`: "no decision") is written as soon as the body is in, and the wrapper's callback runs
 * only after that. Claude Code keeps the connection alive between hooks (one socket per run), so
 * the server never closes an idle connection first: that would race with the next hook.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHost } from "../platform/loopback.js";
import { bearerMatches, newSecret } from "../platform/run-secret.js";
import {
  fieldsFromHead,
  type HookEvent,
  type HookEventName,
  HTTP_HOOK_EVENTS,
  parseHookEvent,
} from "./hook-events.js";

export interface HookServerOptions {
  /** Called once per accepted hook, after Claude Code has its answer. May return a promise. */
  onHook: (event: HookEvent) => void | Promise<void>;
  /** A callback that threw or rejected, or a request that could not be read. */
  onError?: (error: Error) => void;
  /** The per-run secret; a fresh one when omitted. */
  secret?: string;
  /**
   * Bytes of a body kept for parsing (default 1 MiB). A larger body (a huge pasted prompt) is
   * still answered `200 {}` and delivered with `truncated: true` and the plain fields of its
   * first part, so the wrapper still learns "busy" and the session id; the rest is drained.
   */
  maxBodyBytes?: number;
  /** Beyond this many bytes the connection is dropped (default 64 MiB). */
  maxDrainBytes?: number;
}

export interface HookServer {
  /** `http://127.0.0.1:PORT`; hooks go to `${url}/hook/<EventName>`. */
  url: string;
  port: number;
  secret: string;
  close(): Promise<void>;
}

const PATH_PREFIX = "/hook/";
const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_MAX_DRAIN = 64 * 1024 * 1024;
const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** The URL Claude Code posts one event's hook to. */
export function hookUrl(serverUrl: string, event: HookEventName): string {
  return `${serverUrl}${PATH_PREFIX}${event}`;
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function errorBody(message: string): string {
  return JSON.stringify({ error: message });
}

function eventOfPath(url: string | undefined): HookEventName | null {
  if (!url?.startsWith(PATH_PREFIX)) return null;
  const name = url.slice(PATH_PREFIX.length);
  return (HTTP_HOOK_EVENTS as readonly string[]).includes(name) ? (name as HookEventName) : null;
}

interface ReadBody {
  text: string;
  truncated: boolean;
}

function readBody(req: IncomingMessage, keep: number, drainLimit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    let truncated = false;
    req.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > drainLimit) {
        req.destroy();
        reject(new Error(`hook body larger than ${drainLimit} bytes`));
        return;
      }
      if (kept < keep) {
        const part = kept + chunk.length > keep ? chunk.subarray(0, keep - kept) : chunk;
        chunks.push(part);
        kept += part.length;
      }
      if (total > keep) truncated = true;
    });
    req.on("end", () => resolve({ text: Buffer.concat(chunks).toString("utf8"), truncated }));
    req.on("error", reject);
  });
}

export async function startHookServer(options: HookServerOptions): Promise<HookServer> {
  const secret = options.secret ?? newSecret("cf-hook");
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxDrain = Math.max(options.maxDrainBytes ?? DEFAULT_MAX_DRAIN, maxBody);
  const reportError = (error: unknown) => {
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // An error reporter that throws must not take the server down.
    }
  };
  const deliver = (event: HookEvent) => {
    // After the answer has been handed to the socket: Claude Code is not kept waiting.
    setImmediate(() => {
      try {
        const result = options.onHook(event);
        if (result instanceof Promise) result.catch(reportError);
      } catch (error) {
        reportError(error);
      }
    });
  };

  let port = 0;
  const server = createServer({ noDelay: true }, (req, res) => {
    if (!isLoopbackHost(req.headers.host, port)) {
      answer(res, 403, errorBody("forbidden host"));
      return;
    }
    if (!bearerMatches(req.headers.authorization, secret)) {
      answer(res, 401, errorBody("unauthorized"));
      return;
    }
    const name = req.method === "POST" ? eventOfPath(req.url) : null;
    if (name === null) {
      answer(res, 404, errorBody("not found"));
      req.resume();
      return;
    }
    readBody(req, maxBody, maxDrain).then(
      ({ text, truncated }) => {
        let event: HookEvent | null;
        if (truncated) {
          event = parseHookEvent(fieldsFromHead(text), name, true);
        } else {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            answer(res, 400, errorBody("body is not JSON"));
            return;
          }
          event = parseHookEvent(body, name);
          if (event === null) {
            answer(res, 400, errorBody("body is not a JSON object"));
            return;
          }
        }
        answer(res, 200, "{}");
        if (event) deliver(event);
      },
      (error: unknown) => {
        reportError(error);
        if (!res.headersSent && !req.destroyed) answer(res, 413, errorBody("body too large"));
      },
    );
  });
  // Claude Code reuses one connection for all hooks of a run; closing an idle one from this side
  // could race with its next request, so idle connections are left to the client to close.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secret,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

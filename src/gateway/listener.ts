/**
 * The gateway's socket on 127.0.0.1, listening before its pipeline exists. Claude Code needs only
 * the port and the secret to start (its ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN); the pipeline
 * (the HTTP client, the prices, the spend) is set up while Claude starts, which takes far longer.
 * A request that arrives before the pipeline is ready waits for it: none passes unmetered.
 * Only Node's own modules here, so listening loads nothing else.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { newSecret } from "../platform/run-secret.js";
import { sendApiError } from "./errors.js";

export interface Gateway {
  /** `http://127.0.0.1:PORT`: Claude Code's ANTHROPIC_BASE_URL in api mode. */
  url: string;
  port: number;
  /** Claude Code's ANTHROPIC_AUTH_TOKEN in api mode. */
  secret: string;
  /** Sets the pipeline up now, if it is not already (the first request does it too); rejects if it cannot be. */
  ready(): Promise<void>;
  /**
   * Cuts the connections of the requests in flight (Claude has ended: nobody reads their answers)
   * and resolves once each has its row, as a request its client abandoned does, or after a bound.
   */
  endRequests(): Promise<void>;
  close(): Promise<void>;
}

/** What serves the requests once the socket listens. */
export interface Pipeline {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves once the requests being handled have their rows (queued for the ledger), or after `withinMs`. */
  settle(withinMs: number): Promise<void>;
  /** At the close, once the requests in flight are cut and settled: the rows still queued are written. */
  finishWrites(): void;
  /** At the close, after the connections are cut: the upstream connections. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Makes the pipeline for the port and secret the socket got. */
  pipeline: (address: { port: number; secret: string }) => Promise<Pipeline>;
  /** The per-run secret Claude Code must present; made fresh when omitted. */
  secret?: string;
  /** Port to listen on; 0 (default) takes a free one. */
  port?: number;
}

/** How long the rows of requests cut at the end may take: never the upstream's time, only ours. */
const END_REQUESTS_MS = 1000;

export async function listenGateway(options: ListenOptions): Promise<Gateway> {
  const secret = options.secret ?? newSecret("cf-gw");
  let pipeline: Promise<Pipeline> | undefined;
  let port = 0;
  const ready = () => {
    pipeline ??= options.pipeline({ port, secret });
    return pipeline;
  };
  const server = createServer((req, res) => {
    ready().then(
      (serving) => serving.handle(req, res),
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        res.setHeader("connection", "close");
        sendApiError(res, 500, "api_error", `claude-fallback gateway: could not start: ${reason}`);
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  const endRequests = async () => {
    const serving = await pipeline?.catch(() => undefined);
    server.closeAllConnections();
    await serving?.settle(END_REQUESTS_MS);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secret,
    ready: async () => {
      await ready();
    },
    endRequests,
    close() {
      // Idempotent: the wrapper may close on exit and again on a signal.
      closing ??= (async () => {
        const serving = await pipeline?.catch(() => undefined);
        // The rows of the requests cut now are written with the others.
        await endRequests();
        serving?.finishWrites();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await serving?.close();
      })();
      return closing;
    },
  };
}

import type { Dispatcher } from "undici";

/**
 * One request to the upstream API through undici's dispatcher, its response body handed over
 * chunk by chunk as undici parses it.
 *
 * A streamed Claude response is thousands of small events, each an HTTP chunk of its own. undici's
 * `request()` passes every one through a Node Readable (a push, a buffer, a `data` event) before
 * the gateway sees it; measured on a Claude-shaped stream, that machinery cost the gateway about
 * as much CPU as everything else it does per event. Here each parsed chunk goes straight to the
 * one consumer, and back-pressure is undici's own pause and resume of the socket.
 */
export interface UpstreamRequest {
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Cancelling it aborts the upstream request, at whatever point it is. */
  cancellation: Cancellation;
}

/** Why an upstream request is aborted when its client has gone. */
const CLIENT_WENT_AWAY = new Error("the client went away");

/**
 * The client's side of an exchange going away: {@link cancel} aborts the upstream request it was
 * given to, before it is sent, while its answer is awaited or while its body streams. (An
 * AbortController does the same with an event target, a signal and a listener per request.)
 */
export class Cancellation {
  #cancelled = false;
  #onCancel: (() => void) | null = null;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#onCancel?.();
  }

  /** What cancelling does now (null: nothing more). */
  onCancel(action: (() => void) | null): void {
    this.#onCancel = action;
  }
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Resolves once the upstream's response head has arrived; rejects if it never does. */
export function sendUpstream(dispatcher: Dispatcher, request: UpstreamRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let body: UpstreamBody | null = null;
    const { cancellation } = request;
    cancellation.onCancel(() => controller?.abort(CLIENT_WENT_AWAY));
    const settled = () => cancellation.onCancel(null);
    dispatcher.dispatch(
      { path: request.path, method: request.method, headers: request.headers, body: request.body },
      {
        onRequestStart(started) {
          controller = started;
          // Cancelled while it waited for a connection: it ends here, before anything is sent.
          if (cancellation.cancelled) started.abort(CLIENT_WENT_AWAY);
        },
        onResponseStart(started, statusCode, headers) {
          body = new UpstreamBody(started, settled);
          resolve({ statusCode, headers, body });
        },
        onResponseData(_controller, chunk) {
          body?.push(chunk);
        },
        onResponseEnd() {
          body?.end();
        },
        onResponseError(_controller, error) {
          if (body) body.fail(error);
          else {
            settled();
            reject(error);
          }
        },
      },
    );
  });
}

/**
 * A response body being received. It has one consumer: {@link consume} (a relay),
 * {@link bytes} (a small answer read whole) or {@link dump}. Chunks that arrive before the
 * consumer is attached are kept for it.
 */
export class UpstreamBody {
  #queued: Buffer[] = [];
  #consumer: ((chunk: Buffer) => void) | null = null;
  /** null while chunks may still come; then whether the body ended (true) or failed (false). */
  #outcome: boolean | null = null;
  #error: Error | null = null;
  #settle: ((ended: boolean) => void) | null = null;
  readonly #finished = new Promise<boolean>((resolve) => {
    this.#settle = resolve;
  });

  constructor(
    private readonly controller: Dispatcher.DispatchController,
    private readonly onSettled: () => void,
  ) {}

  /** Hands every chunk to `onChunk` as it arrives; resolves true when the body ended, false if it failed. */
  consume(onChunk: (chunk: Buffer) => void): Promise<boolean> {
    this.#consumer = onChunk;
    const queued = this.#queued;
    this.#queued = [];
    for (const chunk of queued) onChunk(chunk);
    return this.#finished;
  }

  /** The whole body; rejects with undici's error if it failed. */
  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    if (!(await this.consume((chunk) => chunks.push(chunk)))) throw this.#error;
    return Buffer.concat(chunks);
  }

  /** Reads the body to its end and drops it, so the connection can serve the next request. */
  async dump(): Promise<void> {
    await this.consume(() => {});
  }

  pause(): void {
    this.controller.pause();
  }

  resume(): void {
    this.controller.resume();
  }

  /** Aborts the upstream request if it is still going. */
  destroy(): void {
    if (this.#outcome === null) this.controller.abort(new Error("response abandoned"));
  }

  push(chunk: Buffer): void {
    if (this.#consumer) this.#consumer(chunk);
    else this.#queued.push(chunk);
  }

  end(): void {
    this.#finish(true);
  }

  fail(error: Error): void {
    this.#error ??= error;
    this.#finish(false);
  }

  #finish(ended: boolean): void {
    if (this.#outcome !== null) return;
    this.#outcome = ended;
    this.onSettled();
    this.#settle?.(ended);
  }
}

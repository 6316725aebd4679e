import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { OutgoingNotification } from "./channel.js";
import { type ChannelError, Notifier } from "./notifier.js";
import { createWebhookChannel, webhookPayload } from "./webhook.js";

interface Received {
  method: string;
  contentType: string | undefined;
  body: unknown;
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A local receiver; `respond` decides what to do with each request (default: 200). */
async function receiver(
  respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end("ok"),
): Promise<{ url: string; received: Received[]; arrived: Promise<void> }> {
  const received: Received[] = [];
  let signal!: () => void;
  const arrived = new Promise<void>((resolve) => {
    signal = resolve;
  });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        contentType: req.headers["content-type"],
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      signal();
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/T000/B000/secretpath`, received, arrived };
}

const sample: OutgoingNotification = {
  kind: "limit_reached",
  title: "claude-fallback: Subscription limit reached",
  body: "Subscription 5-hour limit reached; it resets at 15:00. <!channel> & co",
  at: Date.UTC(2025, 0, 2, 3, 4, 5),
  sessionId: "0b5c8e3e-1111-2222-3333-444455556666",
  runId: "run-1",
};

describe("webhookPayload", () => {
  it("has a Slack text (escaped) and the structured fields (verbatim)", () => {
    expect(webhookPayload(sample)).toEqual({
      text: "*claude-fallback: Subscription limit reached*\nSubscription 5-hour limit reached; it resets at 15:00. &lt;!channel&gt; &amp; co",
      source: "claude-fallback",
      event: "limit_reached",
      title: sample.title,
      body: sample.body,
      at: "2025-01-02T03:04:05.000Z",
      session_id: sample.sessionId,
      run_id: "run-1",
    });
  });
});

describe("webhook channel", () => {
  it("POSTs the JSON payload", async () => {
    const { url, received } = await receiver();
    await createWebhookChannel({ url }).send(sample, new AbortController().signal);
    expect(received).toEqual([
      {
        method: "POST",
        contentType: "application/json",
        body: JSON.parse(JSON.stringify(webhookPayload(sample))),
      },
    ]);
  });

  it("a non-2xx answer is a failure that does not name the URL", async () => {
    const { url } = await receiver((_req, res) => {
      res.statusCode = 404;
      res.end("no");
    });
    const error = await createWebhookChannel({ url })
      .send(sample, new AbortController().signal)
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(error?.message).toBe("the receiver answered HTTP 404");
  });

  it("a refused connection is a failure without the URL", async () => {
    const { url } = await receiver();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const error = await createWebhookChannel({ url })
      .send(sample, new AbortController().signal)
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(error?.message).toBe("the request failed (ECONNREFUSED)");
    expect(error?.message).not.toContain("secretpath");
  });
});

describe("Notifier with the webhook channel", () => {
  it("a receiver that never answers: the notifier returns promptly and reports once", async () => {
    const { url, received, arrived } = await receiver(() => {
      // Hold the request: never answer.
    });
    const errors: ChannelError[] = [];
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: false, webhook_url: url },
      timeoutMs: 400,
      onChannelError: (error) => errors.push(error),
    });
    const started = Date.now();
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    await notifier.notify({ kind: "switched_to_api", title: "T", body: "B" });
    const elapsed = Date.now() - started;
    await arrived;
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(3000);
    expect(errors).toEqual([
      {
        channel: "webhook",
        message: "webhook notification failed: no answer within 400 ms",
        unavailable: false,
      },
    ]);
  });

  it("failures are reported once per channel but later events are still sent", async () => {
    const { url, received } = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const errors: ChannelError[] = [];
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: false, webhook_url: url },
      onChannelError: (error) => errors.push(error),
    });
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    await notifier.notify({ kind: "switched_to_api", title: "T", body: "B" });
    expect(received).toHaveLength(2);
    expect(errors.map((error) => error.message)).toEqual([
      "webhook notification failed: the receiver answered HTTP 500",
    ]);
  });

  it("sends session and run from the context", async () => {
    const { url, received } = await receiver();
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: false, webhook_url: url },
      context: () => ({ sessionId: "sess-1", runId: "run-9" }),
      now: () => Date.UTC(2025, 5, 1),
    });
    await notifier.notify({ kind: "cap_reached", title: "T", body: "B" });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toMatchObject({
      event: "cap_reached",
      session_id: "sess-1",
      run_id: "run-9",
      at: "2025-06-01T00:00:00.000Z",
    });
  });
});

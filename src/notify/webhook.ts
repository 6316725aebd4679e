/**
 * Webhook notifications (SPEC §8): a POST of JSON with a Slack-compatible `text` and the same
 * facts as fields for other receivers. The URL may hold a token (Slack, Discord): it is never put
 * into an error message.
 */
import { loadUndici } from "../platform/undici.js";
import { CHANNEL_TIMEOUT_MS, type Channel, formatDuration, type OutgoingNotification } from "./channel.js";

export interface WebhookPayload {
  /** Slack (and Mattermost, Rocket.Chat…) show this. */
  text: string;
  source: "claude-fallback";
  event: string;
  title: string;
  body: string;
  /** ISO 8601, UTC. */
  at: string;
  session_id: string | null;
  run_id: string | null;
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; nothing else in our text is markup. */
function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export function webhookPayload(notification: OutgoingNotification): WebhookPayload {
  return {
    text: `*${slackEscape(notification.title)}*\n${slackEscape(notification.body)}`,
    source: "claude-fallback",
    event: notification.kind,
    title: notification.title,
    body: notification.body,
    at: new Date(notification.at).toISOString(),
    session_id: notification.sessionId,
    run_id: notification.runId,
  };
}

export interface WebhookChannelOptions {
  /** http(s) URL; validated by the config schema. */
  url: string;
  timeoutMs?: number;
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const timeoutMs = options.timeoutMs ?? CHANNEL_TIMEOUT_MS;
  return {
    name: "webhook",
    async send(notification: OutgoingNotification, signal: AbortSignal): Promise<void> {
      const protocol = new URL(options.url).protocol;
      if (protocol !== "http:" && protocol !== "https:") {
        throw new Error(`webhook_url must be http or https, not ${protocol}`);
      }
      // The caller's signal or our own timeout, whichever comes first (AbortSignal.any is Node ≥ 20.3).
      const combined = new AbortController();
      const abort = () => combined.abort();
      const timer = setTimeout(abort, timeoutMs);
      signal.addEventListener("abort", abort, { once: true });
      if (signal.aborted) abort();
      try {
        const { request } = loadUndici();
        const response = await request(options.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "claude-fallback" },
          body: JSON.stringify(webhookPayload(notification)),
          signal: combined.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          // One request now and then: no idle keep-alive socket left behind.
          reset: true,
        });
        await response.body.dump().catch(() => {});
        if (response.statusCode < 200 || response.statusCode >= 300) {
          throw new Error(`the receiver answered HTTP ${response.statusCode}`);
        }
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("the receiver answered")) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (
          combined.signal.aborted ||
          code === "UND_ERR_HEADERS_TIMEOUT" ||
          code === "UND_ERR_BODY_TIMEOUT"
        ) {
          throw new Error(`no answer within ${formatDuration(timeoutMs)}`);
        }
        throw new Error(`the request failed${code ? ` (${code})` : ""}`);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", abort);
      }
    },
  };
}

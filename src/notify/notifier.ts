/**
 * Sends notifications to the enabled channels of `config.notifications` (SPEC §8). Never blocks
 * the session and never throws: every delivery is bounded in time, and a failing channel is
 * reported once through `onChannelError`. Saying each event once is the caller's (`SaidOnce`).
 *
 * The terminal channel (banner, bell, OSC 9; a stderr line) belongs to the shell, which owns the
 * screen; this dispatcher serves the channels that leave the terminal: desktop and webhook.
 */
import type { Config } from "../config/schema.js";
import { redactSecrets } from "../config/secret.js";
import {
  CHANNEL_TIMEOUT_MS,
  type Channel,
  ChannelUnavailableError,
  formatDuration,
  type OutgoingNotification,
} from "./channel.js";
import { createDesktopChannel } from "./desktop.js";
import type { Notification } from "./messages.js";
import { createWebhookChannel } from "./webhook.js";

/** How much longer than its own timeout a channel gets before it is abandoned. */
const DEADLINE_GRACE_MS = 1000;

export interface ChannelError {
  channel: string;
  /** For the user: no URL, no secret. */
  message: string;
  /** The channel cannot work here at all (no `notify-send`); it is not tried again. */
  unavailable: boolean;
}

export interface NotifierOptions {
  notifications: Config["notifications"];
  /** The environment the desktop notifier runs in (its `PATH`, `DISPLAY`, D-Bus address). */
  env?: NodeJS.ProcessEnv;
  /** Injectable for tests. */
  platform?: NodeJS.Platform;
  /** Bound on one delivery on one channel. */
  timeoutMs?: number;
  /** Replaces the channels built from `notifications` (tests). */
  channels?: Channel[];
  /** Secrets to mask in every text (the run's API key, once known). */
  secrets?: () => readonly (string | null | undefined)[];
  /** Which session and run the notification is about. */
  context?: () => { sessionId?: string | null; runId?: string | null };
  /** Called at most once per channel. */
  onChannelError?: (error: ChannelError) => void;
  now?: () => number;
}

export function channelsFor(
  options: Pick<NotifierOptions, "notifications" | "env" | "platform" | "timeoutMs">,
): Channel[] {
  const channels: Channel[] = [];
  if (options.notifications.desktop) {
    channels.push(
      createDesktopChannel({ platform: options.platform, env: options.env, timeoutMs: options.timeoutMs }),
    );
  }
  if (options.notifications.webhook_url) {
    channels.push(
      createWebhookChannel({ url: options.notifications.webhook_url, timeoutMs: options.timeoutMs }),
    );
  }
  return channels;
}

export class Notifier {
  private readonly channels: Channel[];
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly reported = new Set<string>();
  private readonly unavailable = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: NotifierOptions) {
    this.timeoutMs = options.timeoutMs ?? CHANNEL_TIMEOUT_MS;
    this.channels = options.channels ?? channelsFor(options);
    this.now = options.now ?? Date.now;
  }

  /**
   * Sends `notification`. The promise settles when every channel has delivered, failed or timed
   * out; it never rejects. Callers need not wait for it.
   */
  notify(notification: Notification): Promise<void> {
    const channels = this.channels.filter((channel) => !this.unavailable.has(channel.name));
    if (channels.length === 0) return Promise.resolve();
    let secrets: readonly (string | null | undefined)[] = [];
    let context: { sessionId?: string | null; runId?: string | null } = {};
    try {
      secrets = this.options.secrets?.() ?? [];
      context = this.options.context?.() ?? {};
    } catch {
      // A broken callback must not stop the notification; redactSecrets still masks key shapes.
    }
    const outgoing: OutgoingNotification = {
      kind: notification.kind,
      title: redactSecrets(notification.title, secrets),
      body: redactSecrets(notification.body, secrets),
      at: this.now(),
      sessionId: context.sessionId ?? null,
      runId: context.runId ?? null,
    };
    const delivery = Promise.all(channels.map((channel) => this.deliver(channel, outgoing))).then(() => {});
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
    return delivery;
  }

  /** Waits for deliveries under way (each bounded): before the process exits. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async deliver(channel: Channel, notification: OutgoingNotification): Promise<void> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Channels stop themselves after `timeoutMs`; this deadline, a little later, bounds even one
    // that ignores its signal.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`did not finish within ${formatDuration(this.timeoutMs)}`));
      }, this.timeoutMs + DEADLINE_GRACE_MS);
      timer.unref();
    });
    try {
      await Promise.race([
        Promise.resolve().then(() => channel.send(notification, controller.signal)),
        deadline,
      ]);
    } catch (error) {
      this.report(channel, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private report(channel: Channel, error: unknown): void {
    const unavailable = error instanceof ChannelUnavailableError;
    if (unavailable) this.unavailable.add(channel.name);
    if (this.reported.has(channel.name)) return;
    this.reported.add(channel.name);
    const reason = error instanceof Error ? error.message : String(error);
    const message = redactSecrets(
      unavailable
        ? `${channel.name} notifications are unavailable: ${reason}`
        : `${channel.name} notification failed: ${reason}`,
      this.options.secrets?.() ?? [],
    );
    try {
      this.options.onChannelError?.({ channel: channel.name, message, unavailable });
    } catch {
      // Reporting is best effort too.
    }
  }
}

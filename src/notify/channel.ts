/**
 * What a notification channel (desktop, webhook) is given and must do. The terminal channel lives
 * in the interactive run, which owns the screen.
 */
import type { Notification } from "./messages.js";

/** A notification on its way out: the words plus when and for which session. */
export interface OutgoingNotification extends Notification {
  /** Epoch ms. */
  at: number;
  /** Claude Code's session id, when known. */
  sessionId: string | null;
  /** The wrapper run's id, when known. */
  runId: string | null;
}

export interface Channel {
  readonly name: string;
  /**
   * Delivers one notification. Rejects on failure with a message fit for the user (no URL, no
   * secret); stops promptly when `signal` aborts.
   */
  send(notification: OutgoingNotification, signal: AbortSignal): Promise<void>;
}

/** The channel cannot work on this machine at all (no `notify-send`): not worth trying again. */
export class ChannelUnavailableError extends Error {
  override name = "ChannelUnavailableError";
}

/** Default bound on one delivery. */
export const CHANNEL_TIMEOUT_MS = 5000;

/** "500 ms", "5 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

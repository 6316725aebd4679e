/**
 * How a wrapped run tells the user something (SPEC §8): each event once (the one dedupe of
 * `SaidOnce`), in the same words on every channel — the shell's own (a terminal banner, a stderr
 * line) and the desktop and webhook — and, for what the gateway reports, a row in the ledger's
 * events so reports can show it.
 */
import { realpathSync } from "node:fs";
import type { Config } from "../config/schema.js";
import { Notifier } from "../notify/notifier.js";
import {
  leavesTheTerminal,
  type RunEvent,
  runEventText,
  runEventTitle,
  SaidOnce,
  type WordingContext,
} from "../notify/run-events.js";
import { capWarningMessage } from "../usage/caps.js";
import type { EventKind } from "../usage/ledger-records.js";
import { zoneOfEnv } from "../usage/periods.js";

/** The ledger row of an event the gateway reported: its kind, and details for reports (never a secret). */
export function ledgerEventOf(event: RunEvent): { kind: EventKind; detail: Record<string, unknown> } | null {
  switch (event.kind) {
    case "cap_warning":
    case "cap_reached":
      return {
        kind: event.kind,
        detail: {
          message: event.kind === "cap_warning" ? capWarningMessage(event.cap) : event.message,
          cap: event.cap.cap,
          configKey: event.cap.configKey,
          limitNanoUsd: event.cap.limitNanoUsd,
          spentNanoUsd: event.cap.spentNanoUsd,
        },
      };
    case "error":
      if (event.source === "unknown_model")
        return { kind: "unknown_model", detail: { message: event.message, model: event.model } };
      if (event.source === "upstream" || event.source === "ledger" || event.source === "key")
        return { kind: "error", detail: { message: event.message, source: `${event.source}_error` } };
      return null;
    default:
      return null;
  }
}

export interface TellerOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** The shell's own channel: a banner on the terminal, a line on stderr, or nothing. */
  show: (event: RunEvent, text: string) => void;
  /** A ledger event row (best effort). */
  record: (kind: EventKind, detail: Record<string, unknown>) => void;
  /** Words need the time and the caps in force (and the zone of `env`'s TZ for times). */
  wording: () => Omit<WordingContext, "zone">;
  secrets: () => readonly (string | null)[];
  context: () => { sessionId: string | null; runId: string };
  /** A desktop or webhook channel failed: `unavailable` when it cannot work here at all. */
  onChannelError?: (message: string, unavailable: boolean) => void;
}

export class Teller {
  private readonly said = new SaidOnce();
  private readonly notifier: Notifier;

  constructor(private readonly options: TellerOptions) {
    this.notifier = new Notifier({
      notifications: options.config.notifications,
      env: options.env,
      secrets: options.secrets,
      context: options.context,
      onChannelError: (error) => {
        options.record("error", { notification_channel: error.channel, message: error.message });
        options.onChannelError?.(error.message, error.unavailable);
      },
    });
  }

  /** Says `event` on every channel, unless it was said already. */
  tell(event: RunEvent): void {
    if (!this.said.first(event)) return;
    const row = ledgerEventOf(event);
    if (row) this.options.record(row.kind, row.detail);
    let text: string;
    try {
      const { env } = this.options;
      // Named (through ICU) only for words with a time in them.
      text = runEventText(event, {
        ...this.options.wording(),
        get zone() {
          return zoneOfEnv(env, realpathSync);
        },
      });
    } catch (error) {
      // Words that fail (a bug) must not stop the run, whose end waits for what is said.
      text = `claude-fallback: ${event.kind.replaceAll("_", " ")} (not worded: ${error instanceof Error ? error.message : String(error)})`;
    }
    if (leavesTheTerminal(event)) {
      void this.notifier.notify({ kind: event.kind, title: runEventTitle(event.kind), body: text });
    }
    this.options.show(event, text);
  }

  /** Waits for the deliveries under way (each bounded): before the process exits. */
  flush(): Promise<void> {
    return this.notifier.flush();
  }
}

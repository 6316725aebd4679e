import { classifyLine } from "./classify.js";
import { type DetectContext, type LimitSignal, signalFromClassification } from "./signals.js";

/**
 * What the screen scanner makes of a whole line: a signal when the line is a notice of the table,
 * once per notice however often Claude Code redraws it. The same notice (entry + normalised line,
 * so also its reset text) yields one signal; and a limit whose (non-assumed) reset instant was
 * already reported by another line (`You've hit your 5-hour limit · resets 9:07am (UTC)`, then
 * `Usage limit reached · set to continue automatically at 9:07am`) is not reported again. The
 * memory keeps the most recent `maxRemembered` of each.
 */
export class ScreenNotices {
  private readonly seenNotices = new Set<string>();
  private readonly seenResets = new Set<number>();

  constructor(private readonly maxRemembered: number) {}

  /** The signal of `line`, or null when it is no notice or one already reported. */
  signalOf(line: string, ctx: DetectContext): LimitSignal | null {
    if (line.trim() === "") return null;
    const classified = classifyLine(line);
    if (!classified) return null;
    const noticeKey = `${classified.entryId}\u0000${classified.line}`;
    if (this.seenNotices.has(noticeKey)) return null;
    remember(this.seenNotices, noticeKey, this.maxRemembered);
    const signal = signalFromClassification(classified, "screen", ctx);
    if (!signal) return null;
    if (signal.kind === "limit" && !signal.resetAssumed && signal.resetsAt !== null) {
      if (this.seenResets.has(signal.resetsAt)) return null;
      remember(this.seenResets, signal.resetsAt, this.maxRemembered);
    }
    return signal;
  }

  /** Forgets the notices already reported. */
  forget(): void {
    this.seenNotices.clear();
    this.seenResets.clear();
  }
}

function remember<T>(set: Set<T>, value: T, max: number): void {
  set.add(value);
  while (set.size > max) {
    const oldest = set.values().next();
    if (oldest.done) return;
    set.delete(oldest.value);
  }
}

/**
 * The Claude Code versions claude-fallback works with (SPEC §13), PURE: data and version
 * arithmetic, no I/O. One source of truth for `doctor`, a run's start-up word and docs/compat.md.
 *
 * Every number here comes from real runs of `npm run test:compat` against the published
 * `@anthropic-ai/claude-code` versions and our simulator (docs/compat.md has the runs): the core
 * story (test/e2e/compat-story.test.ts) for the verified range, the facts file
 * (test/e2e/claude-facts.test.ts) for where each capability starts.
 */

/** The oldest version the whole core story passed with. */
export const VERIFIED_MIN = "2.1.80";
/** The newest version the whole core story passed with (the pinned dev dependency). */
export const VERIFIED_MAX = "2.1.332";
/** When the range was measured. */
export const VERIFIED_ON = "2026-12-04";

export type CapabilityId = "stop_failure_hook" | "status_line_rate_limits" | "reset_at_limit";

export interface Capability {
  id: CapabilityId;
  /** As doctor names it. */
  name: string;
  /** What the wrapper uses it for. */
  why: string;
  /** The first published version that has it. */
  since: string;
  /**
   * Whether a version without it fails the core story (`story`: such versions are below
   * {@link VERIFIED_MIN}) or only works less exactly (`detail`).
   */
  impact: "story" | "detail";
  /** What will not happen without it, as a clause ("no …", "it …"). */
  without: string;
  /** What to do: the one-line fix, or how claude-fallback gets by. */
  remedy: string;
}

/** Oldest first. */
export const CAPABILITIES: readonly Capability[] = [
  {
    id: "stop_failure_hook",
    name: "StopFailure hook",
    why: "the most reliable limit signal",
    since: "2.1.78",
    impact: "story",
    without:
      "it refuses the settings claude-fallback adds (StopFailure is unknown to it) and asks at start whether to go on without them; then no hook or status line of ours runs, so an interactive run neither switches nor switches back by itself (a -p run still does)",
    remedy: "update Claude Code (claude update)",
  },
  {
    id: "status_line_rate_limits",
    name: "status line rate_limits",
    why: "subscription utilisation and reset times",
    since: "2.1.80",
    impact: "story",
    without:
      "no subscription utilisation or early warning (notify_at_percentage), and reset times only to the minute from the limit message",
    remedy: "update Claude Code (claude update)",
  },
  {
    id: "reset_at_limit",
    name: "exact reset at the limit",
    why: "switching back right at the reset",
    since: "2.1.234",
    impact: "detail",
    without:
      "the status line does not run again at the limit, so the reset is known only to the minute from Claude Code's text and the switch back comes up to a minute after it",
    remedy: "nothing to do; `claude update` makes it exact",
  },
];

/** `[2, 1, 80]` for "2.1.80" (also in "2.1.80 (Claude Code)"); null when there is no x.y.z in it. */
export function parseVersion(text: string): [number, number, number] | null {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [0, 0, 0];
  const y = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** `2.1.80` ≥ `2.1.78`. */
export function versionAtLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

export interface Compatibility {
  version: string;
  /** At least {@link VERIFIED_MIN}: the whole core story works. */
  supported: boolean;
  /** Newer than {@link VERIFIED_MAX}: expected to work, not yet run. */
  newerThanVerified: boolean;
  /** The capabilities this version lacks, oldest first. */
  missing: Capability[];
}

export function compatibility(version: string): Compatibility {
  return {
    version,
    supported: versionAtLeast(version, VERIFIED_MIN),
    newerThanVerified: compareVersions(version, VERIFIED_MAX) > 0,
    missing: CAPABILITIES.filter((capability) => !versionAtLeast(version, capability.since)),
  };
}

/**
 * What a run says at its start about the installed Claude Code: one line naming the version, the
 * minimum and what will not happen, or null when the version is supported (or not known: a run
 * does not guess).
 */
export function startupNotice(version: string | null): string | null {
  if (version === null || parseVersion(version) === null) return null;
  const { supported, missing } = compatibility(version);
  if (supported) return null;
  // The oldest missing capability says the most: below it the later ones are moot.
  const worst = missing.find((capability) => capability.impact === "story") ?? missing[0];
  const what = worst ? `: ${worst.without}` : "";
  return `claude-fallback: Claude Code ${version} is older than ${VERIFIED_MIN}, the oldest verified with claude-fallback${what}. Update it with \`claude update\`.`;
}

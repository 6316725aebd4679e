/**
 * The message table (SPEC §5): every line Claude Code is known to print about the subscription
 * usage limit, as data. Each entry is a regular expression anchored to a WHOLE line — after
 * `normalizeLine` (classify.ts) has trimmed Claude Code's decorations (`⎿`, `●`, `⚠`, box
 * drawing) and collapsed whitespace — with named captures:
 *
 * - `reset`: the reset text, parsed by `parseResetTime` (reset-time.ts);
 * - `name`: the limit the message names ("5-hour limit", "Opus weekly", …), mapped to a window
 *   by `windowForName` when the entry has `windowFromName`;
 * - `resetName`: for spend-cap messages, the subscription window whose reset they quote;
 * - `percent`: for warnings, the utilisation.
 *
 * Sources: the forms first listed in the product contract (SPEC §5), what Claude Code 2.1.330
 * prints, and the strings of the pinned 2.1.330 binary (its own list of limit prefixes, its message
 * builders and its time format `3:47am`, `Nov 27, 2:28am`, `Jan 3, 2027, 5pm`, each optionally
 * followed by ` (Zone)`).
 * Entries are tried in order; the first match wins. Bump `MESSAGE_TABLE_VERSION` on any change.
 */

export const MESSAGE_TABLE_VERSION = "2026-11-24.1";

/** `throttle`: a server-side condition that is NOT the subscription limit: never switch on it. */
export type MessageKind = "limit" | "warning" | "throttle";

/**
 * Windows a message can name. "session limit" and "5-hour limit" are `five_hour`, "weekly
 * limit" is `seven_day`; `seven_day_overage_included` is Claude Code's name for the included
 * allowance of a model that otherwise needs usage credits (printed "Fable limit").
 */
export type LimitWindow =
  | "five_hour"
  | "seven_day"
  | "seven_day_opus"
  | "seven_day_sonnet"
  | "seven_day_overage_included"
  | "extra_usage"
  | "spending_cap"
  | "credit";

export interface MessageEntry {
  readonly id: string;
  readonly kind: MessageKind;
  /** The window the message names, or null when it names none ("You've hit your limit"). */
  readonly window: LimitWindow | null;
  /** Take the window from the `resetName`/`name` captures (falling back to `window`). */
  readonly windowFromName?: boolean;
  /** Anchored (`^…$`), no `g`/`y` flag: matching must not carry state between calls. */
  readonly pattern: RegExp;
  /**
   * Fixed text in every line the pattern matches: a line without it never runs the pattern. V8
   * compiles a pattern the first time it runs, 2–6 ms for each with a reset time in it (~50 ms
   * for the table), and Claude Code's own screen has lines with the words `MAY_BE_NOTICE` looks for.
   */
  readonly contains: string;
  /** One line exactly as Claude Code prints it (the tests hold every entry to its example). */
  readonly example: string;
  /** Where the form was seen. */
  readonly seen: string;
}

// ---- fragments -------------------------------------------------------------------------------

/**
 * Claude Code's separators: `·` (U+00B7, current), `∙` (U+2219, 1.0.x/2.0.x), `•` (U+2022).
 * In a `String.raw` they are `\u` escapes, which the RegExp reads: esbuild escapes characters
 * beyond ASCII in every other string but cannot in a raw one, and one of them makes V8 hold the
 * whole shipped program as a two-byte string, slower to read at every start (scripts/bundle.mjs
 * refuses it).
 */
const SEPARATORS = String.raw`\u00b7\u2219\u2022`;
const SEP = String.raw`\s?[${SEPARATORS}]\s?`;
const APOS = "['’]";
const MONTH =
  "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?";
/** `5am`, `3:47am`, `5 PM`, and 24-hour `15:00` (never printed by 2.1.330, cheap to accept). */
const CLOCK = String.raw`\d{1,2}(?::\d{2})?\s?(?:[ap]\.?m\.?|[AP]\.?M\.?)|\d{1,2}:\d{2}`;
const DATE = String.raw`(?:${MONTH})\.? \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?`;
/** `Nov 10, 5pm`, `Sep 15 at 7pm`, `Jan 3, 2027, 5pm`, `3:47am`, or a bare date `Dec 1`. */
const WHEN = `(?:${DATE})(?:,? | at )(?:${CLOCK})|(?:${CLOCK})|(?:${DATE})`;
/** `(UTC)`, `(Asia/Calcutta)`, `(America/Argentina/Buenos_Aires)`, `(Etc/GMT+5)`, `(+05:30)`. */
const ZONE = String.raw` \((?:[A-Za-z][A-Za-z0-9_+\-/]{0,63}|[+-]\d{2}:?\d{2})\)`;
const RESET = `(?<reset>(?:${WHEN})(?:${ZONE})?)`;
/**
 * What may follow the message: further ` · `-separated segments (`progress saved`, `/upgrade …`,
 * `contact your admin…`). A segment may not start with `resets`: a reset that is present must be
 * well formed, so `… · resets 3pm, so I waited` (prose) does not match.
 */
const TRAILER = String.raw`(?:${SEP}(?!\s*resets\b).*)?`;
const OPTIONAL_RESET = `(?:${SEP}resets ${RESET})?`;
/** A limit name inside a warning ("5-hour limit", "usage credits", "Opus weekly limit"). */
const LOOSE_NAME = String.raw`(?<name>[A-Za-z0-9'\u2019 \-]{1,40}?)`;

/** Names in `You've hit your <name>` for the subscription windows and generic limits. */
const HIT_NAMES = [
  "limit",
  "usage limit",
  "session limit",
  "5-hour limit",
  "weekly limit",
  "Opus limit",
  "Opus weekly limit",
  "Sonnet limit",
  "Sonnet weekly limit",
  "Fable limit",
  "usage credit limit",
].join("|");

/** Names of money caps on usage credits; matched only with a reset (see `hit-your-spend-limit`). */
const MONEY_NAMES = [
  "monthly spend limit",
  "individual spend limit",
  "individual usage limit",
  "org's monthly spend limit",
  "org's monthly usage limit",
  "channel's monthly spend limit",
  "channel's monthly usage limit",
  "team's pooled group budget",
]
  .map((name) => name.replace("'", APOS))
  .join("|");

const line = (source: string) => new RegExp(`^${source}$`, "u");

// ---- the table -------------------------------------------------------------------------------

export const MESSAGE_TABLE: readonly MessageEntry[] = [
  // -- limits --
  {
    id: "legacy-epoch",
    kind: "limit",
    window: null,
    pattern: line(String.raw`Claude AI usage limit reached\|(?<reset>\d{9,13})`),
    contains: "Claude AI usage limit reached|",
    example: "Claude AI usage limit reached|1749924000",
    seen: "Claude Code 1.0.x: the API error text, the reset as epoch seconds",
  },
  {
    id: "legacy-will-reset",
    kind: "limit",
    window: null,
    pattern: line(String.raw`Claude usage limit reached\. Your limit will reset at ${RESET}\.?`),
    contains: "Claude usage limit reached. Your limit will reset at ",
    example: "Claude usage limit reached. Your limit will reset at 7pm (Europe/Berlin).",
    seen: "Claude Code 1.0.x as reported by users (not re-checked against a binary)",
  },
  {
    id: "window-limit-reached",
    kind: "limit",
    window: null,
    windowFromName: true,
    pattern: line(
      `(?<name>5-hour|Session|Weekly|Opus weekly|Opus|Sonnet weekly|Sonnet) limit reached${OPTIONAL_RESET}${TRAILER}`,
    ),
    contains: " limit reached",
    example: "5-hour limit reached ∙ resets 5am",
    seen: "Claude Code 1.0.x–2.0.x (`∙`), later `·` with an `/upgrade …` segment",
  },
  {
    id: "limit-reached",
    kind: "limit",
    window: null,
    pattern: line(`Limit reached${SEP}resets ${RESET}${TRAILER}`),
    contains: "Limit reached",
    example: "Limit reached · resets 11:30am (Asia/Calcutta)",
    seen: "Claude Code 2.0.x",
  },
  {
    id: "hit-your-limit",
    kind: "limit",
    window: null,
    windowFromName: true,
    pattern: line(`You${APOS}ve hit your (?<name>${HIT_NAMES})${OPTIONAL_RESET}${TRAILER}`),
    contains: "ve hit your ",
    example: "You've hit your 5-hour limit · resets 3:47am (UTC)",
    seen: "Claude Code 2.0.x–2.1.330 (-p output, screen, transcript, StopFailure)",
  },
  {
    id: "hit-your-spend-limit",
    kind: "limit",
    window: "spending_cap",
    windowFromName: true,
    pattern: line(
      `You${APOS}ve hit your (?<name>${MONEY_NAMES})(?:${SEP}(?!\\s*(?:resets|your)\\b)[^·∙•]*)*${SEP}` +
        `(?:resets |your (?<resetName>[A-Za-z0-9 \\-]{1,30}?) resets )${RESET}${TRAILER}`,
    ),
    contains: "ve hit your ",
    example:
      "You've hit your monthly spend limit · raise it at https://claude.ai/settings/usage · your 5-hour limit resets 3pm (UTC)",
    seen: "Claude Code 2.1.330 (usage credits capped while the subscription window is spent)",
  },
  {
    id: "out-of-extra-usage",
    kind: "limit",
    window: "extra_usage",
    pattern: line(`You${APOS}re out of extra usage${OPTIONAL_RESET}${TRAILER}`),
    contains: "re out of extra usage",
    example: "You're out of extra usage · resets 2am (America/Bogota)",
    seen: "Claude Code 2.0.x",
  },
  {
    id: "out-of-usage-credits",
    kind: "limit",
    window: "credit",
    pattern: line(`You${APOS}re out of usage credits${SEP}resets ${RESET}${TRAILER}`),
    contains: "re out of usage credits",
    example: "You're out of usage credits · resets 4pm (UTC) · progress saved",
    seen: "Claude Code 2.1.330 (without a reset it is the /usage panel's subtitle, not a limit)",
  },
  {
    id: "org-out-of-usage",
    kind: "limit",
    window: "extra_usage",
    pattern: line(`Your org is out of usage${SEP}(?:add funds to continue|contact your admin)`),
    contains: "Your org is out of usage",
    example: "Your org is out of usage · add funds to continue",
    seen: "Claude Code 2.1.330 (usage-based organisations)",
  },
  {
    id: "spending-cap-reached",
    kind: "limit",
    window: "spending_cap",
    pattern: line(`Spending cap reached(?:${SEP}|\\s)resets ${RESET}${TRAILER}`),
    contains: "Spending cap reached",
    example: "Spending cap reached resets 4pm",
    seen: "Claude Code 2.0.x",
  },
  {
    id: "usage-limit-auto-continue",
    kind: "limit",
    window: null,
    pattern: line(`Usage limit reached(?: again)?${SEP}set to continue automatically at ${RESET}`),
    contains: "set to continue automatically at ",
    example: "Usage limit reached · set to continue automatically at 3:37am",
    seen: "Claude Code 2.1.330 interactive, the line under the limit message (`●`)",
  },
  {
    id: "usage-limit-status",
    kind: "limit",
    window: null,
    pattern: line(`Usage limit reached${SEP}limit resets ${RESET}`),
    contains: "Usage limit reached",
    example: "Usage limit reached · limit resets 4:26am",
    seen: "Claude Code 2.1.330 interactive, the status area (`⚠`)",
  },
  {
    id: "auto-continue-waiting",
    kind: "limit",
    window: null,
    pattern: line(`Continuing automatically at ${RESET}${SEP}Esc to cancel`),
    contains: "Continuing automatically at ",
    example: "Continuing automatically at 9:07am · Esc to cancel",
    seen: "Claude Code 2.1.330 interactive, the status area while it waits for the reset",
  },
  // -- warnings (feed notify_at_percentage; never a switch) --
  {
    id: "used-percent",
    kind: "warning",
    window: null,
    windowFromName: true,
    pattern: line(
      `You${APOS}ve used (?<percent>\\d{1,3}(?:\\.\\d+)?)% of your ${LOOSE_NAME}${OPTIONAL_RESET}${TRAILER}`,
    ),
    contains: "% of your ",
    example: "You've used 92% of your 5-hour limit · resets 3:50am (UTC)",
    seen: "Claude Code 2.0.x–2.1.330 (allowed_warning)",
  },
  {
    id: "over-percent",
    kind: "warning",
    window: null,
    windowFromName: true,
    pattern: line(`Over (?<percent>\\d{1,3})% of your ${LOOSE_NAME} used${OPTIONAL_RESET}${TRAILER}`),
    contains: "% of your ",
    example: "Over 90% of your weekly limit used · resets Nov 27, 2:28am (UTC)",
    seen: "Claude Code 2.1.330 (allowed_warning with a surpassed threshold)",
  },
  {
    id: "approaching",
    kind: "warning",
    window: null,
    windowFromName: true,
    pattern: line(
      `Approaching (?<name>[A-Za-z0-9 \\-]{0,30}?limit)(?:${SEP}resets (?:at )?${RESET})?${TRAILER}`,
    ),
    contains: "Approaching ",
    example: "Approaching usage limit · resets at 2pm",
    seen: "Claude Code 1.0.x–2.1.330",
  },
  {
    id: "close-to",
    kind: "warning",
    window: null,
    windowFromName: true,
    pattern: line(`You${APOS}re close to your (?<name>usage credit limit|usage limit)`),
    contains: "re close to your ",
    example: "You're close to your usage credit limit",
    seen: "Claude Code 2.1.330 (usage credits)",
  },
  // -- throttles: Claude Code reports these with error "rate_limit" too, but they are not the limit --
  {
    id: "server-throttle",
    kind: "throttle",
    window: null,
    pattern: line(
      String.raw`(?:API Error: )?Server is temporarily limiting requests \(not your usage limit\)(?:${SEP}.*|[.:].*)?`,
    ),
    contains: "Server is temporarily limiting requests (not your usage limit)",
    example: "Server is temporarily limiting requests (not your usage limit)",
    seen: "Claude Code 2.x: 429 without the unified headers, retried",
  },
  {
    id: "request-rejected-429",
    kind: "throttle",
    window: null,
    pattern: line(String.raw`(?:API Error: )?Request rejected \(429\)(?:${SEP}.*)?`),
    contains: "Request rejected (429)",
    example: "API Error: Request rejected (429) · this may be a temporary capacity issue.",
    seen: "Claude Code 2.1.330: 429 that is not a subscription limit",
  },
  {
    id: "model-high-load",
    kind: "throttle",
    window: null,
    pattern: line(
      String.raw`(?:API Error: )?(?:Opus|Sonnet|Fable) is experiencing high load(?:, please use /model to switch to Sonnet|\. Switch to Sonnet\.)`,
    ),
    contains: " is experiencing high load",
    example: "Opus is experiencing high load, please use /model to switch to Sonnet",
    seen: "Claude Code 2.1.330 (StopFailure error rate_limit)",
  },
  {
    id: "overloaded-529",
    kind: "throttle",
    window: null,
    pattern: line(String.raw`(?:API Error: )?Repeated 529 Overloaded errors(?:[\s.${SEPARATORS}].*)?`),
    contains: "Repeated 529 Overloaded errors",
    example: "API Error: Repeated 529 Overloaded errors",
    seen: "Claude Code 2.x: 529 after its retries",
  },
];

/** Window names as messages print them, first match wins (data, like the table). */
export const WINDOW_NAMES: readonly (readonly [RegExp, LimitWindow])[] = [
  [/opus/i, "seven_day_opus"],
  [/sonnet/i, "seven_day_sonnet"],
  [/fable/i, "seven_day_overage_included"],
  [/5-hour|session/i, "five_hour"],
  [/weekly/i, "seven_day"],
  [/spend|spending cap/i, "spending_cap"],
  [/usage credit/i, "credit"],
  [/extra usage|individual usage|monthly usage|pooled group budget/i, "extra_usage"],
];

/** The window a printed limit name stands for; null for generic names ("limit", "usage limit"). */
export function windowForName(name: string): LimitWindow | null {
  for (const [pattern, window] of WINDOW_NAMES) if (pattern.test(name)) return window;
  return null;
}

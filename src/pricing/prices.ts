/**
 * The price table shipped with the package (SPEC §7): US dollars per million tokens (MTok), as
 * in Anthropic's own price list. Data only — the arithmetic lives in `cost.ts`.
 *
 * Field names are the snake_case names of the config file's `pricing` rows, so a row from the
 * config can be merged straight onto a shipped row.
 *
 * Checked on {@link PRICES_CHECKED} against the sources in {@link PRICE_SOURCES}. The machine-read
 * cross-check is the model catalog baked into Claude Code 2.1.330 (npm `@anthropic-ai/claude-code`),
 * which lists, per model, the same five rates plus the first-party / Bedrock / Vertex / Foundry ids.
 * Prices are not effective-dated: a past request is priced at today's rate for its model (see the
 * notes on Sonnet 5.5 and Opus/Sonnet 4.6 below for the two changes that matter).
 *
 * Models deliberately left out, because no source gives their price: `claude-3-sonnet-20240229`
 * (retired in 2025, not on any current price list), `claude-2*` / `claude-instant-*`, and
 * `claude-mythos-preview`.
 */

/** The date the table was last compared with its sources (YYYY-MM-DD). */
export const PRICES_CHECKED = "2026-11-24";

export const PRICE_SOURCES = {
  /** Model pricing table, prompt caching multipliers, long-context section. */
  pricing: "https://platform.claude.com/docs/en/about-claude/pricing",
  /** The 2025 edition of the same page: Sonnet 4 / 4.5 long-context rates, Opus 3, Haiku 3. */
  pricing2025: "https://docs.anthropic.com/en/docs/about-claude/pricing",
  /** Haiku 5.5's two prompt-length bands (≤ 100,000 and > 100,000 prompt tokens). */
  haiku55: "https://platform.claude.com/docs/en/models/haiku-5-5/overview",
  /** Fast mode rates (Opus 4.6 / 4.7 $30/$150, Opus 4.8 / 5 $10/$50, Opus 5.5 $8/$40, Fable 5.2 $16/$80). */
  fastMode: "https://platform.claude.com/docs/en/build-with-claude/fast-mode",
  fastModeClaudeCode: "https://code.claude.com/docs/en/fast-mode",
  /** `inference_geo: "us"` costs 1.1× on every token category. */
  dataResidency: "https://platform.claude.com/docs/en/manage-claude/data-residency",
  dataResidencyAws: "https://docs.aws.amazon.com/claude-platform/latest/userguide/data-residency.html",
  /**
   * Web search: $10 per 1,000 searches; web fetch: no charge beyond tokens. The $10 figure was
   * confirmed through the Claude Code catalog (`web_search: 0.01` per request), not this page.
   */
  webSearch: "https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool",
  /** Cross-check: the baked-in model catalog (pricing tiers, provider ids) of Claude Code 2.1.330. */
  claudeCodeCatalog: "https://www.npmjs.com/package/@anthropic-ai/claude-code/v/2.1.330",
} as const;

export type PriceSource = keyof typeof PRICE_SOURCES;

/** The five per-token rates of one pricing tier, $ per million tokens. */
export interface RateSet {
  input: number;
  output: number;
  /** Cache write with the default 5-minute TTL (normally 1.25 × input). */
  cache_write_5m: number;
  /** Cache write with the 1-hour TTL (normally 2 × input). */
  cache_write_1h: number;
  /** Cache hit / refresh (normally 0.1 × input; some newer models 0.05 × or 0.025 ×). */
  cache_read: number;
}

/**
 * One model's prices, $ per million tokens. The `_long` fields are the long-context tier: when a
 * request's prompt (input + cache writes + cache reads) exceeds `long_context_threshold` tokens,
 * every token of that request — output included — is billed at the `_long` rates. A row has a
 * long tier exactly when `input_long` is set.
 *
 * `long_context_threshold` and `fast` are not config keys; only the shipped table sets them.
 */
export interface PriceRow extends RateSet {
  input_long?: number;
  output_long?: number;
  cache_write_5m_long?: number;
  cache_write_1h_long?: number;
  cache_read_long?: number;
  /** Prompt size above which the long tier applies; {@link DEFAULT_LONG_CONTEXT_THRESHOLD} if unset. */
  long_context_threshold?: number;
  /** Fast-mode rates (response `usage.speed === "fast"`); they apply to the whole context window. */
  fast?: RateSet;
}

export const DEFAULT_LONG_CONTEXT_THRESHOLD = 200_000;

/** Standard prompt-caching multipliers on the base input rate (pricing page, "Prompt caching"). */
export const CACHE_MULTIPLIERS = { cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1 } as const;

/** Server tool prices. Web search: $10 per 1,000 searches. Web fetch: free beyond its tokens. */
export const WEB_SEARCH_USD_PER_1000 = 10;
export const WEB_FETCH_USD_PER_1000 = 0;

/** `usage.inference_geo` values that carry a price multiplier, as a fraction (numerator, denominator). */
export const INFERENCE_GEO_MULTIPLIERS: Readonly<Record<string, readonly [number, number]>> = {
  us: [11, 10],
};

export interface ShippedModel {
  /** The id the Claude API puts in responses (dated where the model has a dated snapshot). */
  id: string;
  name: string;
  /** Every other id meaning exactly this model: undated alias, `-latest`, Foundry, Vertex form. */
  aliases: readonly string[];
  price: PriceRow;
  sources: readonly PriceSource[];
  note?: string;
}

// Rate sets reused by several models. Values are copied from the sources, not computed, so
// each one can be checked against the pricing page by eye.
const OPUS_15_75: RateSet = {
  input: 15,
  output: 75,
  cache_write_5m: 18.75,
  cache_write_1h: 30,
  cache_read: 1.5,
};
const OPUS_5_25: RateSet = {
  input: 5,
  output: 25,
  cache_write_5m: 6.25,
  cache_write_1h: 10,
  cache_read: 0.5,
};
const SONNET_3_15: RateSet = {
  input: 3,
  output: 15,
  cache_write_5m: 3.75,
  cache_write_1h: 6,
  cache_read: 0.3,
};
const FABLE_10_50: RateSet = {
  input: 10,
  output: 50,
  cache_write_5m: 12.5,
  cache_write_1h: 20,
  cache_read: 1,
};
const FABLE_5_1: RateSet = {
  input: 10,
  output: 50,
  cache_write_5m: 12.5,
  cache_write_1h: 20,
  cache_read: 0.25,
};
const FABLE_5_2: RateSet = { input: 8, output: 40, cache_write_5m: 10, cache_write_1h: 16, cache_read: 0.2 };

/** Sonnet 4 / 4.5 with the 1M-context beta, prompts over 200k tokens (retired 2026-04-30). */
const SONNET_4_LONG = {
  input_long: 6,
  output_long: 22.5,
  cache_write_5m_long: 7.5,
  cache_write_1h_long: 12,
  cache_read_long: 0.6,
} as const;

const FAST_30_150: RateSet = {
  input: 30,
  output: 150,
  cache_write_5m: 37.5,
  cache_write_1h: 60,
  cache_read: 3,
};
const FAST_10_50: RateSet = {
  input: 10,
  output: 50,
  cache_write_5m: 12.5,
  cache_write_1h: 20,
  cache_read: 1,
};

export const SHIPPED_MODELS: readonly ShippedModel[] = [
  // ── Fable / Mythos ──────────────────────────────────────────────────────────────────────────
  {
    id: "claude-fable-5-2",
    name: "Claude Fable 5.2",
    aliases: [],
    price: {
      ...FABLE_5_2,
      fast: { input: 16, output: 80, cache_write_5m: 20, cache_write_1h: 32, cache_read: 0.4 },
    },
    sources: ["pricing", "fastModeClaudeCode", "claudeCodeCatalog"],
    note: "cache read 0.025 × input",
  },
  {
    id: "claude-fable-5-1",
    name: "Claude Fable 5.1",
    aliases: [],
    price: { ...FABLE_5_1 },
    sources: ["pricing", "claudeCodeCatalog"],
    note: "cache read 0.025 × input",
  },
  {
    id: "claude-fable-5",
    name: "Claude Fable 5",
    aliases: [],
    price: { ...FABLE_10_50 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-mythos-5-2",
    name: "Claude Mythos 5.2",
    aliases: [],
    price: { ...FABLE_5_2 },
    sources: ["claudeCodeCatalog"],
    note: "limited availability; priced as Fable 5.2",
  },
  {
    id: "claude-mythos-5-1",
    name: "Claude Mythos 5.1",
    aliases: [],
    price: { ...FABLE_5_1 },
    sources: ["pricing", "claudeCodeCatalog"],
    note: "limited availability",
  },
  {
    id: "claude-mythos-5",
    name: "Claude Mythos 5",
    aliases: [],
    price: { ...FABLE_10_50 },
    sources: ["pricing", "claudeCodeCatalog"],
    note: "limited availability",
  },
  // ── Opus ────────────────────────────────────────────────────────────────────────────────────
  {
    id: "claude-opus-5-5",
    name: "Claude Opus 5.5",
    aliases: [],
    price: {
      input: 4,
      output: 20,
      cache_write_5m: 5,
      cache_write_1h: 8,
      cache_read: 0.2,
      fast: { input: 8, output: 40, cache_write_5m: 10, cache_write_1h: 16, cache_read: 0.4 },
    },
    sources: ["pricing", "fastMode", "claudeCodeCatalog"],
    note: "cache read 0.05 × input",
  },
  {
    id: "claude-opus-5",
    name: "Claude Opus 5",
    aliases: [],
    price: { ...OPUS_5_25, fast: FAST_10_50 },
    sources: ["pricing", "fastMode", "claudeCodeCatalog"],
  },
  {
    id: "claude-opus-4-8",
    name: "Claude Opus 4.8",
    aliases: [],
    price: { ...OPUS_5_25, fast: FAST_10_50 },
    sources: ["pricing", "fastMode", "claudeCodeCatalog"],
    note: "fast mode removed 2026-11-30",
  },
  {
    id: "claude-opus-4-7",
    name: "Claude Opus 4.7",
    aliases: [],
    price: { ...OPUS_5_25, fast: FAST_30_150 },
    sources: ["pricing", "fastModeClaudeCode", "claudeCodeCatalog"],
    note: "fast mode removed 2026-07-24; its rate kept for older transcripts",
  },
  {
    id: "claude-opus-4-6",
    name: "Claude Opus 4.6",
    aliases: [],
    price: { ...OPUS_5_25, fast: FAST_30_150 },
    sources: ["pricing", "fastModeClaudeCode", "claudeCodeCatalog"],
    note: "1M context at standard rates since 2026-03-13 (no long tier); fast mode since removed",
  },
  {
    id: "claude-opus-4-5-20251101",
    name: "Claude Opus 4.5",
    aliases: ["claude-opus-4-5"],
    price: { ...OPUS_5_25 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-opus-4-1-20250805",
    name: "Claude Opus 4.1",
    aliases: ["claude-opus-4-1"],
    price: { ...OPUS_15_75 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-opus-4-20250514",
    name: "Claude Opus 4",
    aliases: ["claude-opus-4-0", "claude-opus-4"],
    price: { ...OPUS_15_75 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-3-opus-20240229",
    name: "Claude Opus 3",
    aliases: ["claude-3-opus-latest", "claude-3-opus"],
    price: { ...OPUS_15_75 },
    sources: ["pricing2025"],
    note: "retired; kept for old transcripts",
  },
  // ── Sonnet ──────────────────────────────────────────────────────────────────────────────────
  {
    id: "claude-sonnet-5-5",
    name: "Claude Sonnet 5.5",
    aliases: [],
    price: { input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.1 },
    sources: ["pricing", "claudeCodeCatalog"],
    note: "cache read cut from $0.20 to $0.10 on 2026-10-07",
  },
  {
    id: "claude-sonnet-5",
    name: "Claude Sonnet 5",
    aliases: [],
    price: { input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.2 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-sonnet-4-6",
    name: "Claude Sonnet 4.6",
    aliases: [],
    price: { ...SONNET_3_15 },
    sources: ["pricing", "claudeCodeCatalog"],
    note: "1M context at standard rates since 2026-03-13 (no long tier)",
  },
  {
    id: "claude-sonnet-4-5-20250929",
    name: "Claude Sonnet 4.5",
    aliases: ["claude-sonnet-4-5"],
    price: { ...SONNET_3_15, ...SONNET_4_LONG },
    sources: ["pricing", "pricing2025", "claudeCodeCatalog"],
  },
  {
    id: "claude-sonnet-4-20250514",
    name: "Claude Sonnet 4",
    aliases: ["claude-sonnet-4-0", "claude-sonnet-4"],
    price: { ...SONNET_3_15, ...SONNET_4_LONG },
    sources: ["pricing", "pricing2025", "claudeCodeCatalog"],
  },
  {
    id: "claude-3-7-sonnet-20250219",
    name: "Claude Sonnet 3.7",
    aliases: ["claude-3-7-sonnet-latest", "claude-3-7-sonnet", "claude-sonnet-3-7"],
    price: { ...SONNET_3_15 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-3-5-sonnet-20241022",
    name: "Claude Sonnet 3.5",
    aliases: [
      "claude-3-5-sonnet-20240620",
      "claude-3-5-sonnet-latest",
      "claude-3-5-sonnet",
      "claude-3-5-sonnet-v2-20241022",
    ],
    price: { ...SONNET_3_15 },
    sources: ["pricing2025", "claudeCodeCatalog"],
    note: "retired; kept for old transcripts",
  },
  // ── Haiku ───────────────────────────────────────────────────────────────────────────────────
  {
    id: "claude-haiku-5-5",
    name: "Claude Haiku 5.5",
    aliases: [],
    price: {
      input: 0.1,
      output: 0.5,
      cache_write_5m: 0.125,
      cache_write_1h: 0.2,
      cache_read: 0.01,
      input_long: 0.5,
      output_long: 2.5,
      cache_write_5m_long: 0.625,
      cache_write_1h_long: 1,
      cache_read_long: 0.05,
      long_context_threshold: 100_000,
    },
    sources: ["pricing", "haiku55", "claudeCodeCatalog"],
    note: "two bands: prompts up to 100,000 tokens, and over (5 ×)",
  },
  {
    id: "claude-haiku-4-5-20251001",
    name: "Claude Haiku 4.5",
    aliases: ["claude-haiku-4-5"],
    price: { input: 1, output: 5, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-3-5-haiku-20241022",
    name: "Claude Haiku 3.5",
    aliases: ["claude-3-5-haiku-latest", "claude-3-5-haiku", "claude-haiku-3-5"],
    price: { input: 0.8, output: 4, cache_write_5m: 1, cache_write_1h: 1.6, cache_read: 0.08 },
    sources: ["pricing", "claudeCodeCatalog"],
  },
  {
    id: "claude-3-haiku-20240307",
    name: "Claude Haiku 3",
    aliases: ["claude-3-haiku"],
    price: { input: 0.25, output: 1.25, cache_write_5m: 0.3, cache_write_1h: 0.5, cache_read: 0.03 },
    sources: ["pricing2025"],
    note: "cache rates as published (not the standard multipliers)",
  },
];

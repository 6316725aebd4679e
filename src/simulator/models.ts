export interface ModelInfo {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

const model = (id: string, display_name: string, created: string): ModelInfo => ({
  type: "model",
  id,
  display_name,
  created_at: `${created}T00:00:00Z`,
});

/**
 * What `GET /v1/models` lists, newest first like the real endpoint: the models Claude Code 2.1.330 knows
 * (its default is `claude-sonnet-5-5`). Dates of the newest ones are approximate; only the shape matters.
 */
export const MODELS: readonly ModelInfo[] = [
  model("claude-opus-5-5", "Claude Opus 5.5", "2026-09-01"),
  model("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-01"),
  model("claude-haiku-5-5", "Claude Haiku 5.5", "2026-09-01"),
  model("claude-opus-4-7", "Claude Opus 4.7", "2026-04-16"),
  model("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17"),
  model("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05"),
  model("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24"),
  model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15"),
  model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29"),
  model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05"),
  model("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22"),
  model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22"),
];

/** The body of `GET /v1/models`. */
export function modelList(): Record<string, unknown> {
  return {
    data: MODELS,
    has_more: false,
    first_id: MODELS[0]?.id ?? null,
    last_id: MODELS.at(-1)?.id ?? null,
  };
}

export function findModel(id: string): ModelInfo | undefined {
  return MODELS.find((info) => info.id === id);
}

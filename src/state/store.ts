import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * The state every claude-fallback process shares (`<stateDir>/state.json`): the billing mode the
 * user prefers (`use`), and what the last wrapped run learned about the subscription. Written
 * atomically (temp file + rename); a missing or corrupt file reads as empty, never as an error:
 * it is a cache of facts, not configuration.
 */
const WindowSchema = z.object({
  used_percentage: z.number(),
  resets_at: z.number().nullable(),
});

export const StateSchema = z.object({
  preferred_mode: z.enum(["subscription", "api"]).nullable().default(null),
  preferred_mode_set_at: z.number().nullable().default(null),
  /** The last subscription limit seen: when it resets (epoch ms) and which window. */
  last_limit: z
    .object({ at: z.number(), resets_at: z.number(), window: z.string().nullable(), assumed: z.boolean() })
    .nullable()
    .default(null),
  /** Subscription utilisation from the last status line, per window (five_hour, seven_day, …). */
  utilisation: z
    .object({ at: z.number(), windows: z.record(z.string(), WindowSchema) })
    .nullable()
    .default(null),
});

export type SharedState = z.output<typeof StateSchema>;

export function stateFile(stateDir: string): string {
  return join(stateDir, "state.json");
}

export function readState(file: string): SharedState {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing or unreadable: nothing known yet.
  }
  return StateSchema.parse({});
}

/** Reads, changes and writes the state; concurrent writers each keep their own change's fields. */
export function updateState(file: string, change: (state: SharedState) => Partial<SharedState>): SharedState {
  const next = { ...readState(file) };
  Object.assign(next, change(next));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return next;
}

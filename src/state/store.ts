import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";
import { asidePath, writeFileAtomicSync } from "../platform/atomic-file.js";

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

/**
 * Moves a state file that is not valid state aside to `state.json.corrupt-<UTC time>` (our own
 * writes are atomic, so only something else can have damaged it), where it can still be looked at,
 * and returns a line saying so; null when the file is valid or missing. Reading it as empty (see
 * {@link readState}) would otherwise lose it silently at the next write.
 */
export function setAsideDamagedState(file: string, nowMs: number): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    if (StateSchema.safeParse(JSON.parse(text)).success) return null;
  } catch {
    // Not JSON: damaged.
  }
  const aside = asidePath(file, "corrupt", nowMs);
  try {
    renameSync(file, aside);
  } catch {
    return null; // Moved or replaced meanwhile by another process.
  }
  return `the state file ${file} was damaged; moved it to ${aside} (a \`use\` preference or a limit it held is forgotten)`;
}

/** Reads, changes and writes the state; concurrent writers each keep their own change's fields. */
export function updateState(file: string, change: (state: SharedState) => Partial<SharedState>): SharedState {
  const next = { ...readState(file) };
  Object.assign(next, change(next));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

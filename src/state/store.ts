import { lstatSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod/mini";
import { EARLIEST_DATE_MS, LATEST_DATE_MS } from "../dates.js";
import { FallbackError } from "../errors.js";
import { asidePath, writeFileAtomicSync } from "../platform/atomic-file.js";
import { cannotAccessText } from "./paths.js";

/**
 * The state every claude-fallback process shares (`<stateDir>/state.json`): the billing mode the
 * user prefers (`use`), and what the last wrapped run learned about the subscription. Written
 * atomically (temp file + rename). A missing file is empty state; a damaged or unreadable one
 * reads as empty too (a run goes on without it), but says so ({@link readStateChecked}) and is
 * never written over ({@link updateState}).
 */
/** An instant (epoch ms) a Date can hold: one beyond it is damage, not a time to show (`status` would throw). */
const Instant = z.number().check(z.gte(EARLIEST_DATE_MS), z.lte(LATEST_DATE_MS));

const WindowSchema = z.object({
  used_percentage: z.number(),
  resets_at: z.nullable(Instant),
});

export const StateSchema = z.object({
  preferred_mode: z._default(z.nullable(z.enum(["subscription", "api"])), null),
  preferred_mode_set_at: z._default(z.nullable(Instant), null),
  /** The last subscription limit seen: when it resets (epoch ms) and which window. */
  last_limit: z._default(
    z.nullable(
      z.object({
        at: Instant,
        resets_at: Instant,
        window: z.nullable(z.string()),
        assumed: z.boolean(),
      }),
    ),
    null,
  ),
  /**
   * The model Claude last ran with on the subscription (its status line's `model.id`): a run that
   * starts on API billing because the limit is in force goes on with it, not with Claude Code's
   * default for an API key.
   */
  subscription_model: z._default(z.nullable(z.string()), null),
  /** Subscription utilisation from the last status line, per window (five_hour, seven_day, …). */
  utilisation: z._default(
    z.nullable(z.object({ at: Instant, windows: z.record(z.string(), WindowSchema) })),
    null,
  ),
});

export type SharedState = z.output<typeof StateSchema>;

export function stateFile(stateDir: string): string {
  return join(stateDir, "state.json");
}

/** What a state file says, or why it cannot be used: damaged (not our JSON), or there but not readable. */
export interface StateReading {
  state: SharedState;
  /** One line naming the file, what is not known, and the fix; null when the state is known (or no file yet). */
  problem: string | null;
}

function parseState(text: string): SharedState | null {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // Not JSON.
  }
}

export function readStateChecked(file: string): StateReading {
  const empty = StateSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    // No file yet. A file where the state directory should be is a problem: a limit could not be recorded.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: empty, problem: null };
    const why = cannotAccessText("read", file, dirname(file), error, "XDG_STATE_HOME");
    return { state: empty, problem: `state: ${why}; a \`use\` preference or a limit it holds is not known` };
  }
  const state = parseState(text);
  if (state !== null) return { state, problem: null };
  return {
    state: empty,
    problem: `state: ${file} is damaged (not valid JSON state); a \`use\` preference or a limit it held is not known; fix: the next \`claude-fallback use\` or run moves it aside (kept as ${file}.corrupt-<time>) and starts afresh`,
  };
}

/** The state; empty when missing, damaged or unreadable (see {@link readStateChecked} to know which). */
export function readState(file: string): SharedState {
  return readStateChecked(file).state;
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
  if (parseState(text) !== null) return null;
  const aside = asidePath(file, "corrupt", nowMs);
  try {
    renameSync(file, aside);
  } catch {
    return null; // Moved or replaced meanwhile by another process.
  }
  return `the state file ${file} was damaged; moved it to ${aside} (a \`use\` preference or a limit it held is forgotten)`;
}

/**
 * Whether something may stand at `file` (a file, a link, even a loop, or a place that cannot be
 * looked into) that a write would replace. Where there is certainly nothing — a file stands in the
 * way of the directory — the write is tried, and fails saying why it cannot write.
 */
function mayHoldSomething(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== "ENOENT" && code !== "ENOTDIR";
  }
}

/**
 * Reads, changes and writes the state; concurrent writers each keep their own change's fields.
 * Throws FallbackError, writing nothing, for a file that is damaged or cannot be read: writing
 * over it would lose what it holds without a word ({@link setAsideDamagedState} first keeps it aside).
 */
export function updateState(file: string, change: (state: SharedState) => Partial<SharedState>): SharedState {
  const reading = readStateChecked(file);
  if (reading.problem !== null && mayHoldSomething(file)) throw new FallbackError(reading.problem);
  const next = { ...reading.state };
  Object.assign(next, change(next));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import type { BillingMode } from "../billing.js";
import { EARLIEST_DATE_MS, LATEST_DATE_MS } from "../dates.js";
import { writeFileAtomicSync } from "../platform/atomic-file.js";
import { pidExists } from "../platform/pid.js";
import { cannotAccessText } from "./paths.js";

/** One live wrapped session, as `status` shows it and `use` reaches it. */
export interface LiveRun {
  runId: string;
  pid: number;
  claudePid: number | null;
  cwd: string;
  mode: BillingMode;
  sessionId: string | null;
  startedAt: number;
  /** The reason a switch is waiting, shown by `status`. */
  pending: string | null;
  /**
   * How Claude was started: in a terminal (`pty`), headless (`print`, `claude -p`), or by a
   * program or IDE over stream-json. Entries of older versions have none.
   */
  shell?: "pty" | "print" | "stream-json";
}

function runsDir(stateDir: string): string {
  return join(stateDir, "runs");
}

/** Registers or updates a live run (atomic write, 0600). */
export function writeLiveRun(stateDir: string, run: LiveRun): void {
  const dir = runsDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomicSync(join(dir, `${run.runId}.json`), JSON.stringify(run));
}

export function removeLiveRun(stateDir: string, runId: string): void {
  rmSync(join(runsDir(stateDir), `${runId}.json`), { force: true });
}

/** What a run file must hold to be shown and reached: a damaged one (not written by us) is dropped. */
const LiveRunSchema = z.object({
  runId: z.string(),
  pid: z.number().check(z.int(), z.positive()),
  claudePid: z.nullable(z.number().check(z.int())),
  cwd: z.string(),
  mode: z.enum(["subscription", "api"]),
  sessionId: z.nullable(z.string()),
  startedAt: z.number().check(z.gte(EARLIEST_DATE_MS), z.lte(LATEST_DATE_MS)),
  pending: z.nullable(z.string()),
  shell: z.optional(z.enum(["pty", "print", "stream-json"])),
});

/** The live runs, and why some could not be read (the path and the fix); null: all were read. */
export interface LiveRunsReading {
  runs: LiveRun[];
  problem: string | null;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * The live runs; entries of processes that are gone (killed, crashed) or that are damaged are
 * pruned. A directory or an entry that cannot be read is said (`problem`), never taken for no
 * run, and an entry that cannot be read is left where it is: its run may well be alive.
 */
export function readLiveRuns(stateDir: string): LiveRunsReading {
  const dir = runsDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (code(error) === "ENOENT") return { runs: [], problem: null };
    return { runs: [], problem: `live runs: ${cannotAccessText("read", dir, dir, error, "XDG_STATE_HOME")}` };
  }
  const runs: LiveRun[] = [];
  let problem: string | null = null;
  for (const name of names.filter((entry) => entry.endsWith(".json"))) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if (code(error) !== "ENOENT") {
        problem ??= `live runs: ${cannotAccessText("read", file, dir, error, "XDG_STATE_HOME")}`;
      }
      continue;
    }
    let run: LiveRun | null = null;
    try {
      const parsed = LiveRunSchema.safeParse(JSON.parse(text));
      if (parsed.success) run = parsed.data;
    } catch {
      // Not JSON: dropped below, as an entry of no run.
    }
    if (run !== null && pidExists(run.pid)) runs.push(run);
    else removeStale(file);
  }
  return { runs: runs.sort((a, b) => a.startedAt - b.startedAt), problem };
}

/** Removes the entry of a run that is gone; one that cannot be removed is left for a later reader. */
function removeStale(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // A runs directory we may read but not write: the entry is not shown, and nothing is lost.
  }
}

/** The live runs that could be read (see {@link readLiveRuns} for what could not). */
export function listLiveRuns(stateDir: string): LiveRun[] {
  return readLiveRuns(stateDir).runs;
}

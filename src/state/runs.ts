import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BillingMode } from "../billing.js";
import { writeFileAtomicSync } from "../platform/atomic-file.js";
import { pidExists } from "../platform/pid.js";

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

/** The live runs; entries of processes that are gone (killed, crashed) are pruned. */
export function listLiveRuns(stateDir: string): LiveRun[] {
  let names: string[];
  try {
    names = readdirSync(runsDir(stateDir));
  } catch {
    return [];
  }
  const runs: LiveRun[] = [];
  for (const name of names.filter((entry) => entry.endsWith(".json"))) {
    const file = join(runsDir(stateDir), name);
    try {
      const run = JSON.parse(readFileSync(file, "utf8")) as LiveRun;
      if (pidExists(run.pid)) runs.push(run);
      else rmSync(file, { force: true });
    } catch {
      rmSync(file, { force: true });
    }
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt);
}

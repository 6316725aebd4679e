import { exitCodeOf } from "../errors.js";

/**
 * What stopped a command, said as our one line (with the stack when CLAUDE_FALLBACK_DEBUG is set),
 * and the exit code it ends with: 2 for a usage or configuration error, else the error's.
 */
export function reportFailure(error: unknown): number {
  process.stderr.write(`claude-fallback: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.CLAUDE_FALLBACK_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return exitCodeOf(error);
}

/** The exit code of a command that ended without throwing: the one it set, else 0. */
export function exitCodeSet(): number {
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

/** Runs a command without commander (a light program's plain form); the exit code it ends with. */
export async function runPlain(command: () => Promise<unknown>): Promise<number> {
  try {
    await command();
    return exitCodeSet();
  } catch (error) {
    return reportFailure(error);
  }
}

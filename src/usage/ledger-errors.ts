/**
 * The usage ledger's failures as one line each, naming the file (SPEC §7): SQLite's codes and
 * words ("unable to open database file") turned into what is wrong and what to do.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { FallbackError } from "../errors.js";
import { cannotAccessText } from "../state/paths.js";

/** How long a writer waits for another process's write to finish. */
export const BUSY_TIMEOUT_MS = 10_000;

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

/** The ledger file is not a SQLite database, or a damaged one: it can only be moved aside. */
export class LedgerDamagedError extends FallbackError {
  constructor(
    file: string,
    /** SQLite's words for the damage. */
    readonly detail: string,
  ) {
    super(
      `usage ledger ${file} is damaged or not a SQLite database (${detail}); move it aside and a new one will be created`,
    );
  }
}

const ANOTHER_PLACE = "set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place";
const ELSEWHERE = `or ${ANOTHER_PLACE}`;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Turns any failure into one line naming the file. FallbackErrors pass through unchanged. */
export function ledgerError(file: string, doing: string, error: unknown): FallbackError {
  if (error instanceof FallbackError) return error;
  const { code, message } = (error ?? {}) as SqliteLikeError;
  const text = typeof message === "string" ? message : String(error);
  switch (typeof code === "string" ? code.replace(/^(SQLITE_[A-Z]+).*$/, "$1") : "") {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return new LedgerDamagedError(file, text);
    case "SQLITE_FULL":
      return new FallbackError(
        `could not ${doing} the usage ledger ${file}: the disk is full; fix: free some space on its disk, ${ELSEWHERE}`,
      );
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "SQLITE_CANTOPEN":
    case "EACCES":
    case "EPERM":
    case "EROFS":
      // SQLite says "unable to open database file" for a directory standing where the file should be too.
      if (isDirectory(file)) {
        return new FallbackError(
          `could not ${doing} the usage ledger ${file}: it is a directory, not a file; move it aside, ${ELSEWHERE}`,
        );
      }
      return (
        writeProblem(file) ??
        new FallbackError(
          `could not ${doing} the usage ledger ${file}: not writable (${text}); fix: ${ANOTHER_PLACE}`,
        )
      );
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new FallbackError(
        `could not ${doing} the usage ledger ${file}: still locked by another process after ${BUSY_TIMEOUT_MS / 1000} s`,
      );
    default:
      return new FallbackError(`could not ${doing} the usage ledger ${file}: ${text}`);
  }
}

/**
 * What the user lacks to write `file` — its directory (where SQLite's journal goes), then the file
 * if there is one — as one line with the fix (a read-only disk: another place); null when nothing.
 */
function writeProblem(file: string): FallbackError | null {
  const dir = dirname(file);
  const needs: Need[] = [["write", dir, constants.W_OK]];
  if (existsSync(file)) needs.push(["write", file, constants.R_OK | constants.W_OK]);
  return firstDenied(file, needs);
}

/** What `file`'s ledger needs: to be read or written, by access to a path in `mode`. */
type Need = ["read" | "write", string, number];

/** The first need the user lacks, as one line naming the ledger, with the fix; null when none. */
function firstDenied(file: string, needs: readonly Need[]): FallbackError | null {
  for (const [doing, path, mode] of needs) {
    try {
      accessSync(path, mode);
    } catch (denied) {
      return new FallbackError(
        `usage ledger: ${cannotAccessText(doing, file, dirname(file), denied, "XDG_DATA_HOME")}`,
      );
    }
  }
  return null;
}

/**
 * When SQLite could not open `file` for want of access, which the user lacks — reading the file,
 * writing it, or writing its directory (where the WAL files go) — with the fix; null otherwise.
 * SQLite itself only says "unable to open database file" or "readonly database".
 */
export function accessProblem(file: string, error: unknown): FallbackError | null {
  const code = (error as SqliteLikeError | null)?.code;
  if (code !== "SQLITE_CANTOPEN" && code !== "SQLITE_READONLY" && code !== "SQLITE_PERM") return null;
  return firstDenied(file, [
    ["read", file, constants.R_OK],
    ["write", file, constants.W_OK],
    ["write", dirname(file), constants.W_OK],
  ]);
}

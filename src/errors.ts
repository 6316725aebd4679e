/**
 * The two kinds of failure the command line distinguishes (SPEC §3):
 * a usage or configuration error exits 2, anything else of ours exits 1.
 * Messages are one line, meant for the user, and must never contain a secret.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  override name = "UsageError";
}

export class FallbackError extends Error {
  readonly exitCode = 1;
  override name = "FallbackError";
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof FallbackError) return error.exitCode;
  return 1;
}

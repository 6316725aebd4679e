import type { BillingMode } from "../billing.js";
import { childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { type ChildSpawner, spawnChild } from "../platform/child.js";

/**
 * Runs `claude` as it is, on the user's own terminal (inherited stdio): a management command
 * (`claude mcp …`), `--help`, `--version` — nothing to bill or switch, but a stray key is still
 * removed (SPEC §2). Ctrl-C reaches Claude directly through the terminal, so this process ignores
 * SIGINT while Claude runs; SIGTERM and SIGHUP sent to us are passed on, so Claude never outlives us.
 */
export async function runPlainClaude(
  file: string,
  args: string[],
  parentEnv: NodeJS.ProcessEnv,
  say: (line: string) => void,
  spawn: ChildSpawner = spawnChild,
): Promise<number> {
  const mode: BillingMode = "subscription";
  const { env, removed } = childEnvironment(parentEnv, mode);
  for (const name of removed) say(removedCredentialNotice(name, mode));
  const child = spawn(file, args, {
    env,
    stdin: "inherit",
    output: "inherit",
    forward: ["SIGTERM", "SIGHUP"],
    ignored: ["SIGINT"],
  });
  return child.exited;
}

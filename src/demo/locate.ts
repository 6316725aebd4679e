import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { locateClaude } from "../claude/locate.js";
import { UsageError } from "../errors.js";

/** `claude_path`'s default: a bare name looked up on PATH. */
const DEFAULT_CLAUDE_PATH = "claude";

/** The `claude` this package pins as a dev dependency, found when the demo runs from a clone. */
export function ownClaudeBinary(): string {
  return fileURLToPath(new URL("../../node_modules/.bin/claude", import.meta.url));
}

export interface DemoClaudeChoice {
  /** `--claude PATH` */
  flag?: string | undefined;
  /** The config's `claude_path`. */
  configured?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The package's own `node_modules/.bin/claude` (see {@link ownClaudeBinary}). */
  ownBinary?: string;
}

/**
 * The real `claude` for the demo: `--claude`, then `claude_path` when set to something else than
 * the default, then `claude` on PATH, then the package's own `node_modules/.bin/claude`. Throws a
 * one-line UsageError (exit 2) naming all of them when none is there.
 */
export function locateDemoClaude(choice: DemoClaudeChoice): string {
  if (choice.flag) return locateClaude({ flag: choice.flag, configured: DEFAULT_CLAUDE_PATH }, choice.env);
  if (choice.configured && choice.configured !== DEFAULT_CLAUDE_PATH) {
    return locateClaude({ configured: choice.configured }, choice.env);
  }
  try {
    return locateClaude({ configured: DEFAULT_CLAUDE_PATH }, choice.env);
  } catch {
    const own = choice.ownBinary ?? ownClaudeBinary();
    if (existsSync(own)) return own;
  }
  throw new UsageError(
    "the demo needs the real Claude Code: none on PATH and no node_modules/.bin/claude; install it (npm install -g @anthropic-ai/claude-code) or pass --claude PATH",
  );
}

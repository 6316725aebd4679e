import type { BillingMode } from "../billing.js";
import { withoutApiKeyEnv } from "../config/secret.js";

export interface GatewayEndpoint {
  url: string;
  secret: string;
}

export interface ChildEnvironment {
  env: NodeJS.ProcessEnv;
  /** Inherited credentials removed so they cannot bill the user silently; one notice each. */
  removed: string[];
}

/**
 * The environment `claude` runs with in each billing mode (SPEC §2).
 *
 * - Both modes: an inherited `ANTHROPIC_API_KEY` is removed (it would bill the user's key without
 *   them noticing), and so is our own key variable.
 * - subscription: an inherited `ANTHROPIC_AUTH_TOKEN` is removed too, so the user's own login is
 *   what Claude Code uses; `ANTHROPIC_BASE_URL` and `CLAUDE_CONFIG_DIR` pass through unchanged.
 * - api: `ANTHROPIC_BASE_URL` is the local gateway and `ANTHROPIC_AUTH_TOKEN` its per-run secret;
 *   the real key stays in the gateway. Claude Code sends an auth token in preference to a
 *   subscription login, so the login (e.g. `CLAUDE_CODE_OAUTH_TOKEN`) is left untouched.
 */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  mode: BillingMode,
  gateway?: GatewayEndpoint,
): ChildEnvironment {
  // Our own key variable never reaches Claude Code (or any command Claude runs).
  const env: NodeJS.ProcessEnv = withoutApiKeyEnv(parent);
  const removed: string[] = [];
  const strip = (name: string) => {
    // An empty value bills nobody: removed all the same, but without a notice about it.
    if (env[name]) removed.push(name);
    delete env[name];
  };
  strip("ANTHROPIC_API_KEY");
  if (mode === "subscription") {
    strip("ANTHROPIC_AUTH_TOKEN");
    return { env, removed };
  }
  if (!gateway) throw new Error("api mode needs the gateway's address and secret");
  delete env.ANTHROPIC_AUTH_TOKEN;
  env.ANTHROPIC_BASE_URL = gateway.url;
  env.ANTHROPIC_AUTH_TOKEN = gateway.secret;
  return { env, removed };
}

export function removedCredentialNotice(name: string, mode: BillingMode): string {
  return mode === "subscription"
    ? `claude-fallback: ignoring ${name} from your shell so Claude Code uses your subscription login (it would bill that key instead).`
    : `claude-fallback: ignoring ${name} from your shell; API billing goes through claude-fallback's gateway with your configured key.`;
}

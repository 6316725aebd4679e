/**
 * Reading and rewriting the user's `claude` arguments (Claude Code 2.1.330's grammar). Only what
 * claude-fallback must know is interpreted — the session being started or resumed, print mode, the
 * user's own `--settings`, the prompt — and everything else passes through unchanged, in order.
 */

type Arity = "required" | "optional" | "variadic";

/** Options of `claude` that take a value, as its `--help` lists them. Others are flags. */
const VALUE_OPTIONS: Record<string, Arity> = {
  "--add-dir": "variadic",
  "--agent": "required",
  "--agents": "required",
  "--allowedTools": "variadic",
  "--allowed-tools": "variadic",
  "--append-system-prompt": "required",
  "--append-system-prompt-file": "required",
  "--autocompact": "required",
  "--betas": "variadic",
  "--cloud": "optional",
  "-d": "optional",
  "--debug": "optional",
  "--debug-file": "required",
  "--disallowedTools": "variadic",
  "--disallowed-tools": "variadic",
  "--effort": "required",
  "--environment": "required",
  "--fallback-model": "required",
  "--file": "variadic",
  "--from-pr": "optional",
  "--input-format": "required",
  "--json-schema": "required",
  "--max-budget-usd": "required",
  "--max-turns": "required",
  "--mcp-config": "variadic",
  "--model": "required",
  "-n": "required",
  "--name": "required",
  "--output-format": "required",
  "--permission-mode": "required",
  "--permission-prompt-tool": "required",
  "--permission-prompts": "required",
  "--plugin-dir": "required",
  "--plugin-url": "required",
  "--prompt-suggestions": "optional",
  "--remote-control": "optional",
  "--remote-control-session-name-prefix": "required",
  "-r": "optional",
  "--resume": "optional",
  "--session-id": "required",
  "--setting-sources": "required",
  "--settings": "required",
  "--system-prompt": "required",
  "--system-prompt-file": "required",
  "--system-prompt-snapshot": "required",
  "--teleport": "optional",
  "--tools": "variadic",
  "-w": "optional",
  "--worktree": "optional",
};

/** `claude <command>` runs a management command, not a conversation: nothing to wrap. */
const SUBCOMMANDS = new Set([
  "agents",
  "attach",
  "auth",
  "auto-mode",
  "config",
  "doctor",
  "gateway",
  "import",
  "install",
  "logs",
  "mcp",
  "migrate-installer",
  "plugin",
  "plugins",
  "purge",
  "respawn",
  "rm",
  "setup-token",
  "stop",
  "kill",
  "ultrareview",
  "update",
  "upgrade",
]);

/** Options that pick which conversation to open; a restart replaces them with `--resume <id>`. */
const SESSION_OPTIONS = new Set([
  "-r",
  "--resume",
  "-c",
  "--continue",
  "--session-id",
  "--fork-session",
  "--from-pr",
  "--teleport",
]);

/** Options after which `claude` does not open a conversation we can wrap. */
const NON_CONVERSATION_FLAGS = new Set([
  "-h",
  "--help",
  "-v",
  "--version",
  "--bg",
  "--background",
  "--desktop",
]);

/** One option with its values, or the prompt, as it stood in the arguments. */
interface Item {
  kind: "option" | "prompt" | "operand";
  /** The option's name (`--resume`) for options. */
  name?: string;
  /** The value given with `=` or as following tokens. */
  values: string[];
  tokens: string[];
}

export type SessionChoice =
  | { kind: "new" }
  | { kind: "id"; id: string }
  | { kind: "resume"; id: string }
  | { kind: "resume-picker" }
  | { kind: "continue" };

export interface ClaudeArgs {
  items: Item[];
  /** `-p` / `--print`. */
  print: boolean;
  /** `--output-format` (print mode): text, json or stream-json. */
  outputFormat: string;
  /** A management command (`claude mcp …`), or a help/version flag: run as is. */
  passThrough: boolean;
  session: SessionChoice;
  /** The user's own `--settings` value (file path or JSON). */
  userSettings: string | null;
  prompt: string | null;
}

function splitOption(token: string): [string, string | undefined] {
  const eq = token.indexOf("=");
  return token.startsWith("--") && eq > 0 ? [token.slice(0, eq), token.slice(eq + 1)] : [token, undefined];
}

function expandBundle(token: string): string[] {
  // `-pc` is `-p -c`; a value-taking short option ends the bundle (`-rabc` is `-r abc`).
  if (!/^-[a-zA-Z]{2,}$/.test(token)) return [token];
  const out: string[] = [];
  for (let i = 1; i < token.length; i++) {
    const flag = `-${token[i]}`;
    if (VALUE_OPTIONS[flag] && i < token.length - 1) {
      out.push(flag, token.slice(i + 1));
      return out;
    }
    out.push(flag);
  }
  return out;
}

export function parseClaudeArgs(args: readonly string[]): ClaudeArgs {
  const tokens = args.flatMap(expandBundle);
  const items: Item[] = [];
  let promptSeen = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "--") {
      for (const rest of tokens.slice(i + 1)) {
        items.push({ kind: promptSeen ? "operand" : "prompt", values: [rest], tokens: [rest] });
        promptSeen = true;
      }
      break;
    }
    if (token.startsWith("-") && token !== "-") {
      const [name, inline] = splitOption(token);
      const arity = VALUE_OPTIONS[name];
      const item: Item = { kind: "option", name, values: [], tokens: [token] };
      if (inline !== undefined) item.values.push(inline);
      else if (arity === "required" && i + 1 < tokens.length) {
        item.values.push(tokens[++i]!);
        item.tokens.push(tokens[i]!);
      } else if (arity === "optional" || arity === "variadic") {
        while (i + 1 < tokens.length && !tokens[i + 1]!.startsWith("-")) {
          item.values.push(tokens[++i]!);
          item.tokens.push(tokens[i]!);
          if (arity === "optional") break;
        }
      }
      items.push(item);
      continue;
    }
    items.push({ kind: promptSeen ? "operand" : "prompt", values: [token], tokens: [token] });
    promptSeen = true;
  }

  const options = items.filter((item) => item.kind === "option");
  const has = (...names: string[]) => options.some((item) => names.includes(item.name!));
  const lastValue = (...names: string[]) => options.findLast((item) => names.includes(item.name!))?.values[0];
  const prompt = items.find((item) => item.kind === "prompt")?.values[0] ?? null;

  let session: SessionChoice = { kind: "new" };
  const resume = options.findLast((item) => item.name === "-r" || item.name === "--resume");
  const sessionId = lastValue("--session-id");
  if (resume)
    session = resume.values[0] ? { kind: "resume", id: resume.values[0] } : { kind: "resume-picker" };
  else if (has("-c", "--continue")) session = { kind: "continue" };
  else if (sessionId) session = { kind: "id", id: sessionId };
  if (has("--fork-session", "--from-pr", "--teleport") && session.kind !== "new")
    session = { kind: "resume-picker" };

  return {
    items,
    print: has("-p", "--print"),
    outputFormat: lastValue("--output-format") ?? "text",
    passThrough: (prompt !== null && SUBCOMMANDS.has(prompt)) || has(...NON_CONVERSATION_FLAGS),
    session,
    userSettings: lastValue("--settings") ?? null,
    prompt,
  };
}

/** `-p` / `--print`: a headless run that prints its result and exits (no terminal UI). */
export function isPrintMode(args: readonly string[]): boolean {
  return parseClaudeArgs(args).print;
}

function tokensWithout(parsed: ClaudeArgs, drop: (item: Item) => boolean): string[] {
  return parsed.items.filter((item) => !drop(item)).flatMap((item) => item.tokens);
}

/**
 * The arguments of the first start: the user's, with our settings file in place of theirs (it
 * includes theirs) and, for a new conversation, a session id chosen by us so we know it at once.
 */
export function launchArgs(
  parsed: ClaudeArgs,
  injected: { settingsPath: string; newSessionId: string },
): string[] {
  const options = tokensWithout(parsed, (item) => item.kind !== "option" || item.name === "--settings");
  const positionals = tokensWithout(parsed, (item) => item.kind === "option");
  const session = parsed.session.kind === "new" ? ["--session-id", injected.newSessionId] : [];
  // After `--`, a prompt can never be taken for the value of a variadic option.
  return [
    ...options,
    "--settings",
    injected.settingsPath,
    ...session,
    ...(positionals.length ? ["--", ...positionals] : []),
  ];
}

/**
 * The arguments of a restart in the other billing mode: the same conversation (`--resume <id>`),
 * the user's other options, and `prompt` (the resume prompt) instead of the original prompt, which
 * Claude has already answered or recorded.
 */
export function resumeArgs(
  parsed: ClaudeArgs,
  injected: { settingsPath: string; sessionId: string; prompt: string | null },
): string[] {
  const options = tokensWithout(
    parsed,
    (item) => item.kind !== "option" || item.name === "--settings" || SESSION_OPTIONS.has(item.name!),
  );
  const prompt = injected.prompt ? ["--", injected.prompt] : [];
  return [...options, "--settings", injected.settingsPath, "--resume", injected.sessionId, ...prompt];
}

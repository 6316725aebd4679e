/**
 * Reading and rewriting the user's `claude` arguments (Claude Code 2.1.330's grammar). Only what
 * claude-fallback must know is interpreted — the session being started or resumed, print mode, the
 * user's own `--settings`, the prompt — and everything else passes through unchanged, in order.
 */

type Arity = "required" | "optional" | "variadic";

/**
 * Options of `claude` that take a value: those its `--help` lists and the hidden ones its root
 * command accepts (probed on 2.1.330). Everything else is a flag or an option `claude` rejects.
 * All variadic options are `<values...>`: the first value is required, so it is taken even when it
 * starts with `-`.
 */
const VALUE_OPTIONS: Record<string, Arity> = {
  "--add-dir": "variadic",
  "--advisor": "required",
  "--agent": "required",
  "--agent-color": "required",
  "--agent-id": "required",
  "--agent-name": "required",
  "--agent-type": "required",
  "--agents": "required",
  "--allowedTools": "variadic",
  "--allowed-tools": "variadic",
  "--append-subagent-system-prompt": "required",
  "--append-subagent-system-prompt-file": "required",
  "--append-system-prompt": "required",
  "--append-system-prompt-file": "required",
  "--attach-serve": "required",
  "--autocompact": "required",
  "--betas": "variadic",
  "--channels": "variadic",
  "--client-data-url": "required",
  "--cloud": "optional",
  "--correlation-id": "required",
  "-d": "optional",
  "--dangerously-load-development-channels": "variadic",
  "--debug": "optional",
  "--debug-file": "required",
  "--deep-link-last-fetch": "required",
  "--deep-link-repo": "required",
  "--disallowedTools": "variadic",
  "--disallowed-tools": "variadic",
  "--effort": "required",
  "--environment": "required",
  "--fallback-model": "required",
  "--fast-mode": "required",
  "--file": "variadic",
  "--forward-home-settings": "required",
  "--from-pr": "optional",
  "--inherit-permission-mode": "required",
  "--initialize-fields": "required",
  "--input-format": "required",
  "--json-schema": "required",
  "--lead-verify-key": "required",
  "--managed-settings": "required",
  "--max-budget-usd": "required",
  "--max-thinking-tokens": "required",
  "--max-turns": "required",
  "--mcp-config": "variadic",
  "--messaging-socket-path": "required",
  "--metadata": "required",
  "--model": "required",
  "-n": "required",
  "--name": "required",
  "--on-branch": "required",
  "--output-format": "required",
  "--parent-session-id": "required",
  "--permission-mode": "required",
  "--permission-prompt-tool": "required",
  "--permission-prompts": "required",
  "--plan-mode-instructions": "required",
  "--plugin-dir": "required",
  "--plugin-dir-no-mcp": "required",
  "--plugin-url": "required",
  "--pool": "required",
  "--prefill": "required",
  "--proactivity": "required",
  "--project-config-root": "required",
  "--prompt-suggestions": "optional",
  "-r": "optional",
  "--rc": "optional",
  "--ref": "required",
  "--remote": "optional",
  "--remote-control": "optional",
  "--remote-control-session-name-prefix": "required",
  "--resume": "optional",
  "--resume-drops-turn": "required",
  "--resume-session-at": "required",
  "--rewind-files": "required",
  "--runner-declares": "required",
  "--sdk-url": "required",
  "--session-began-as-copy": "required",
  "--session-id": "required",
  "--setting-sources": "required",
  "--settings": "required",
  "--system-prompt": "required",
  "--system-prompt-file": "required",
  "--system-prompt-snapshot": "required",
  "--task-budget": "required",
  "--team-name": "required",
  "--teammate-mode": "required",
  "--teleport": "optional",
  "--thinking": "required",
  "--thinking-display": "required",
  "--tools": "variadic",
  "-w": "optional",
  "--watch-artifact": "required",
  "--watch-artifact-no-autoreact": "required",
  "--workload": "required",
  "--worktree": "optional",
};

/** Short options that are flags, so a bundle goes on after them (`-pc` is `-p -c`). */
const SHORT_FLAGS = new Set(["-c", "-h", "-p", "-v"]);

/**
 * `claude <command>` runs a management command, not a conversation: nothing to wrap. Only the
 * first operand before `--` names a command, and not in print mode (`claude -- doctor` and
 * `claude -p doctor` send the prompt "doctor"); `help` is a prompt, not a command.
 */
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

/**
 * Options that pick which conversation to open, or where in it; a restart replaces them with
 * `--resume <id>` (a kept `--resume-session-at` would cut the conversation back on every restart).
 */
const SESSION_OPTIONS = new Set([
  "-r",
  "--resume",
  "-c",
  "--continue",
  "--session-id",
  "--fork-session",
  "--from-pr",
  "--teleport",
  "--resume-session-at",
  "--resume-drops-turn",
  "--rewind-files",
]);

/**
 * Options after which `claude` does not open a local conversation we can wrap: help and version,
 * background and desktop sessions, and cloud sessions (their billing is not this machine's).
 */
const NON_CONVERSATION_FLAGS = new Set([
  "-h",
  "--help",
  "-v",
  "--version",
  "--bg",
  "--background",
  "--desktop",
  "--cloud",
  "--remote",
  "--environment",
]);

/** One option with its values, or a positional argument, as it stood in the arguments. */
interface Item {
  kind: "option" | "prompt" | "operand";
  /** The option's name (`--resume`) for options. */
  name?: string;
  /** The value given with `=`, joined to a short option, or as following tokens. */
  values: string[];
  /** The tokens that stood for it, verbatim: re-emitting them means the same to `claude`. */
  tokens: string[];
  /** A positional that came after `--` (never a subcommand). */
  afterSeparator?: boolean;
}

export type SessionChoice =
  /** A new conversation: we choose its id (`--session-id`). */
  | { kind: "new" }
  /** The user chose the new conversation's id (`--session-id X`, also with `--fork-session`). */
  | { kind: "id"; id: string }
  /** `--resume X`: X is a session id or a session name. */
  | { kind: "resume"; id: string }
  /**
   * The conversation is picked by `claude` and its id is known only from SessionStart: the picker
   * (`--resume` alone), a fork without `--session-id`, `--from-pr`, `--teleport`.
   */
  | { kind: "resume-picker" }
  | { kind: "continue" };

export interface ClaudeArgs {
  items: Item[];
  /** `-p` / `--print`. */
  print: boolean;
  /** `--output-format` (print mode): text, json or stream-json. */
  outputFormat: string;
  /** `--input-format`: `stream-json` when a program (the Agent SDK, an IDE) talks to claude over stdin. */
  inputFormat: string;
  /**
   * Run `claude` as is, without wrapping: a management command (`claude mcp …`), a help or version
   * flag, a background/desktop/cloud session, or arguments `claude` itself rejects (an option
   * missing its value) so that it says so in its own words.
   */
  passThrough: boolean;
  session: SessionChoice;
  /** The user's own `--settings` value (file path or JSON). */
  userSettings: string | null;
  /** The first positional argument: the prompt (or the subcommand, with `passThrough`). */
  prompt: string | null;
  /** False with `--no-session-persistence`: the conversation is not saved, so it cannot be resumed. */
  resumable: boolean;
}

/** Commander's test for "this token is an option" (so `-` alone is a value). */
function maybeOption(token: string): boolean {
  return token.length > 1 && token[0] === "-";
}

/**
 * Splits the arguments the way `claude`'s parser (commander) does: known options take their
 * values, `-abc` bundles are unpacked, `--opt=value` works for options that take a value, and a
 * variadic option swallows every following token that is not an option — so in
 * `claude --add-dir a b`, `b` is a directory, not the prompt (as `claude` itself reads it).
 */
export function parseClaudeArgs(args: readonly string[]): ClaudeArgs {
  const items: Item[] = [];
  let missingValue = false;
  const positional = (token: string, afterSeparator: boolean): Item => ({
    kind: items.some((item) => item.kind !== "option") ? "operand" : "prompt",
    values: [token],
    tokens: [token],
    afterSeparator,
  });
  // `claude` reads a whole `-p`/`--print` token before anything else; then it opens no subcommand.
  let printToken = false;
  let group: string | null = null;
  let i = 0;
  while (i < args.length || group !== null) {
    const token: string = group ?? args[i++]!;
    if (group === null && (token === "-p" || token === "--print")) printToken = true;
    group = null;
    // Also from a bundle: commander reads `-p-` as `-p --`.
    if (token === "--") {
      for (const rest of args.slice(i)) items.push(positional(rest, true));
      break;
    }
    if (!maybeOption(token)) {
      items.push(positional(token, false));
      continue;
    }
    const arity = VALUE_OPTIONS[token];
    if (arity || SHORT_FLAGS.has(token) || !(token.length > 2 && token[1] !== "-")) {
      // A whole option name (known or not), or a long option with or without `=value`.
      const eq = token.indexOf("=");
      const name =
        token.startsWith("--") && eq > 2 && VALUE_OPTIONS[token.slice(0, eq)] ? token.slice(0, eq) : token;
      const item: Item = { kind: "option", name, values: [], tokens: [token] };
      items.push(item);
      if (name !== token) {
        item.values.push(token.slice(eq + 1));
        continue;
      }
      const take = () => {
        item.values.push(args[i]!);
        item.tokens.push(args[i++]!);
      };
      if (arity === "required" || arity === "variadic") {
        if (i < args.length) take();
        else missingValue = true;
        if (arity === "variadic") while (i < args.length && !maybeOption(args[i]!)) take();
      } else if (arity === "optional" && i < args.length && !maybeOption(args[i]!)) take();
      continue;
    }
    // `-abc`: a bundle of short options; a value-taking one takes the rest of the token.
    const short = `-${token[1]}`;
    if (VALUE_OPTIONS[short]) {
      items.push({ kind: "option", name: short, values: [token.slice(2)], tokens: [token] });
    } else if (SHORT_FLAGS.has(short)) {
      items.push({ kind: "option", name: short, values: [], tokens: [short] });
      group = `-${token.slice(2)}`;
    } else {
      items.push({ kind: "option", name: token, values: [], tokens: [token] });
    }
  }

  const options = items.filter((item) => item.kind === "option");
  const has = (...names: string[]) => options.some((item) => names.includes(item.name!));
  const lastValue = (...names: string[]) => options.findLast((item) => names.includes(item.name!))?.values[0];
  const first = items.find((item) => item.kind === "prompt");
  const prompt = first?.values[0] ?? null;

  let session: SessionChoice = { kind: "new" };
  const resume = options.findLast((item) => item.name === "-r" || item.name === "--resume");
  const sessionId = lastValue("--session-id");
  const resuming = resume !== undefined || has("-c", "--continue");
  if (has("--from-pr", "--teleport")) session = { kind: "resume-picker" };
  else if (resuming && has("--fork-session"))
    // The fork gets a new id: the one given with `--session-id`, else one `claude` picks.
    session = sessionId !== undefined ? { kind: "id", id: sessionId } : { kind: "resume-picker" };
  else if (resume)
    session = resume.values[0] ? { kind: "resume", id: resume.values[0] } : { kind: "resume-picker" };
  else if (resuming) session = { kind: "continue" };
  else if (sessionId !== undefined) session = { kind: "id", id: sessionId };

  // `claude doctor` is a command, but `claude -- doctor` and `claude -p doctor` send the prompt "doctor".
  const subcommand =
    first !== undefined && !first.afterSeparator && !printToken && SUBCOMMANDS.has(first.values[0]!);
  return {
    items,
    print: has("-p", "--print"),
    outputFormat: lastValue("--output-format") ?? "text",
    inputFormat: lastValue("--input-format") ?? "text",
    passThrough: subcommand || missingValue || has(...NON_CONVERSATION_FLAGS),
    session,
    userSettings: lastValue("--settings") ?? null,
    prompt,
    resumable: !has("--no-session-persistence"),
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
  injected: { settingsPath: string | null; sessionId: string; prompt: string | null; model?: string | null },
): string[] {
  // Our settings (which carry the user's) replace the user's own --settings; without ours (a
  // command shown to the user) theirs stay. A model in place of the user's (a per-model limit's
  // free way on) replaces their --model.
  const ours = injected.settingsPath;
  const model = injected.model ?? null;
  const options = tokensWithout(
    parsed,
    (item) =>
      item.kind !== "option" ||
      (ours !== null && item.name === "--settings") ||
      (model !== null && item.name === "--model") ||
      SESSION_OPTIONS.has(item.name!),
  );
  const prompt = injected.prompt ? ["--", injected.prompt] : [];
  const settings = ours !== null ? ["--settings", ours] : [];
  return [
    ...options,
    ...(model !== null ? ["--model", model] : []),
    ...settings,
    "--resume",
    injected.sessionId,
    ...prompt,
  ];
}

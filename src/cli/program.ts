import { accessSync, constants, statSync } from "node:fs";
import { type Command, CommanderError } from "commander";
import { quoteForMessage } from "../config/json.js";
import { editDistance } from "../config/load.js";
import { shellQuote } from "../shell.js";
import { commandOf } from "./command-word.js";
import { exitCodeSet, reportFailure } from "./failure.js";
import { CommandLineError, newProgram } from "./fast-path.js";

/** Options every command accepts (SPEC §3). Read them with `command.optsWithGlobals()`. */
export interface GlobalOptions {
  config?: string;
  claude?: string;
}

/**
 * Everything after the first `--` belongs to `claude` and is never parsed as ours (SPEC §3), so
 * `claude-fallback -- -p "fix the tests"` cannot be mistaken for our own options or commands.
 */
export function splitClaudeArgs(argv: string[]): { ours: string[]; claudeArgs: string[] } {
  const separator = argv.indexOf("--");
  const [ours, claudeArgs] =
    separator === -1 ? [argv, []] : [argv.slice(0, separator), argv.slice(separator + 1)];
  return { ours: helpSpelling(ours.flatMap((arg) => SPELLINGS[arg] ?? [arg])), claudeArgs };
}

/**
 * The seed's flags, kept working as spellings of the commands that replaced them (SPEC §3), and
 * `-v`, which most tools (claude too) take for the version.
 */
const SPELLINGS: Record<string, string[]> = {
  "--use-subscription": ["use", "subscription"],
  "--status": ["status"],
  "-v": ["--version"],
};

/** `help config init` as `config init --help`: commander's help command stops at the first word. */
function helpSpelling(ours: string[]): string[] {
  return ours[0] === "help" && ours.length > 2 ? [...ours.slice(1), "--help"] : ours;
}

type Register = (program: Command, claudeArgs: string[]) => void;

/**
 * Each command's module, imported only when it is needed: a start loads the command it runs and
 * what that command uses, not every command's dependencies (SQLite, the gateway, the simulator…).
 * In the order `--help` lists them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: () => import("./run.js").then((module) => module.registerRun),
  use: () => import("./use.js").then((module) => (program) => module.registerUse(program)),
  config: () => import("./config.js").then((module) => (program) => module.registerConfig(program)),
  usage: () => import("./usage.js").then((module) => (program) => module.registerUsage(program)),
  monitor: () => import("./monitor.js").then((module) => (program) => module.registerMonitor(program)),
  simulate: () => import("./simulate.js").then((module) => (program) => module.registerSimulate(program)),
  demo: () => import("./demo.js").then((module) => (program) => module.registerDemo(program)),
  status: () => import("./status.js").then((module) => (program) => module.registerStatus(program)),
  forecast: () => import("./forecast.js").then((module) => (program) => module.registerForecast(program)),
  resume: () => import("./resume.js").then((module) => module.registerResume),
  doctor: () => import("./doctor.js").then((module) => (program) => module.registerDoctor(program)),
  statusline: () =>
    import("./statusline.js").then((module) => (program) => module.registerStatusline(program)),
};

/**
 * The one command `ours` runs, when that is certain from the words alone: a command's name, or no
 * command word at all (`run`, the default). Null when every command is needed: help (which lists
 * them) and a first word that is no command (the error names the command meant).
 */
export function onlyCommand(ours: readonly string[]): string | null {
  if (ours.some((arg) => arg === "--help" || arg === "-h")) return null;
  const word = commandOf(ours) ?? "run";
  return Object.hasOwn(COMMANDS, word) ? word : null;
}

/** The program with every command, or with `only` that one (see {@link onlyCommand}). */
export async function buildProgram(claudeArgs: string[] = [], only: string | null = null): Promise<Command> {
  const program = newProgram().description(
    "Run Claude Code on your subscription; at the usage limit, continue the same conversation on your own API key within your budget.",
  );
  const names = only === null ? Object.keys(COMMANDS) : [only];
  const registers = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program, claudeArgs);
  return program;
}

/** The commands whose extra words and unknown options are most likely meant for claude (SPEC §3). */
const TAKE_CLAUDE_ARGS = new Set(["run", "resume"]);

/** The option of a run that other commands do not take. */
const RUN_ONLY = "--force-api";

/**
 * The command the user most likely meant by `word`, when it is a likely typo of one: at most one
 * edit per three letters of the command's name (`stauts`, `usge`, `doctro`; not `yes` for `use`),
 * the fewest edits for the length winning (`usge` is `usage`, not `use`).
 */
export function likelyCommand(word: string, names: readonly string[]): string | null {
  let best: { name: string; score: number } | null = null;
  for (const name of names) {
    const distance = editDistance(word.toLowerCase(), name);
    const score = distance / Math.max(word.length, name.length);
    if (distance <= Math.floor(name.length / 3) && (!best || score < best.score)) best = { name, score };
  }
  return best?.name ?? null;
}

/** `words` without the words of `remove`, matched from the end (they are the last ones the command got). */
function withoutLast(words: readonly string[], remove: readonly string[]): string[] {
  const kept = [...words];
  let next = remove.length - 1;
  for (let i = kept.length - 1; i >= 0 && next >= 0; i--) {
    if (kept[i] === remove[next]) {
      kept.splice(i, 1);
      next--;
    }
  }
  return kept;
}

/**
 * The one line for a command-line error. `run` (the default command) and `resume` refusing words
 * or options most likely means they were meant for claude: the line says they go after `--`, with
 * the command that does it; a first word that is no command says so first, with the command meant
 * when it looks like a typo (`claude-fallback stauts`). Other errors keep their own line.
 */
export function describeCommandLineError(
  error: CommandLineError,
  ours: readonly string[],
  claudeArgs: readonly string[],
): string {
  const { command, code } = error;
  const refused = command.args.slice(command.registeredArguments.length);
  const aboutClaude = code === "commander.unknownOption" || code === "commander.excessArguments";
  // A run's own option given to a command that starts no run (`--force-api --use-subscription`).
  const word = commandOf(ours) ?? "run";
  const startsNoRun = Object.hasOwn(COMMANDS, word) && !TAKE_CLAUDE_ARGS.has(word);
  if (code === "commander.unknownOption" && startsNoRun && ours.includes(RUN_ONLY))
    return `${RUN_ONLY} starts a run on API billing, and ${word} starts none; give one of them (see \`claude-fallback --help\`)`;
  if (!TAKE_CLAUDE_ARGS.has(command.name()) || !aboutClaude || refused.length === 0) return error.message;
  const words = code === "commander.unknownOption" ? "options" : "arguments";
  const corrected = [...withoutLast(ours, refused), "--", ...refused, ...claudeArgs]
    .map(shellQuote)
    .join(" ");
  const pointer = `claude's own ${words} go after --: claude-fallback ${corrected}`;
  const first = refused[0]!;
  const names = (command.parent?.commands ?? []).map((sub) => sub.name());
  if (code === "commander.excessArguments" && first === commandOf(ours) && !names.includes(first)) {
    const meant = likelyCommand(first, names);
    return `${quoteForMessage(first)} is not a command${meant ? ` (did you mean ${meant}?)` : ""}; ${pointer}`;
  }
  return `${error.problem}; ${pointer}`;
}

/**
 * What to say when words after `--` go to a command that runs no claude (`status -- --json`):
 * dropping them would answer a question that was not asked; null when there is nothing to say.
 */
function argumentsForNoClaude(ours: readonly string[], claudeArgs: readonly string[]): string | null {
  const word = commandOf(ours) ?? "run";
  if (claudeArgs.length === 0 || TAKE_CLAUDE_ARGS.has(word) || !Object.hasOwn(COMMANDS, word)) return null;
  if (ours.some((arg) => arg === "--help" || arg === "-h")) return null;
  return `${word} does not run claude, so nothing goes after --: ${claudeArgs.map(shellQuote).join(" ")}; see \`claude-fallback ${word} --help\``;
}

/** What to say for `help <word>` when the word is no command (commander shows the whole help, as if asked). */
function unknownHelpTopic(ours: readonly string[]): string | null {
  const [first, word] = ours;
  if (first !== "help" || word === undefined || word.startsWith("-") || Object.hasOwn(COMMANDS, word))
    return null;
  const meant = likelyCommand(word, Object.keys(COMMANDS));
  return `${quoteForMessage(word)} is not a command${meant ? ` (did you mean ${meant}?)` : ""}; see \`claude-fallback --help\``;
}

/**
 * The process-wrapper form (SPEC §12): `claude-fallback <path-to-claude> <claude args…>`, as VS Code's
 * `claudeCode.claudeProcessWrapper` and the Agent SDK's `executableArgs` start it — that claude,
 * with those arguments, under the wrapper. Only an executable file named by a path counts, so a
 * command's name is never taken for one.
 */
export function processWrapperArgv(
  argv: readonly string[],
  isExecutable: (path: string) => boolean = executableFile,
): string[] | null {
  const [first, ...rest] = argv;
  if (!first?.includes("/") || !isExecutable(first)) return null;
  return ["run", "--claude", first, "--", ...rest];
}

function executableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Parses argv, runs the command, and returns the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const wrapped = processWrapperArgv(argv);
  if (wrapped === null && /^\.{0,2}\/\S*$/.test(argv[0] ?? "")) {
    // A path (/…, ./…, ../…): the process-wrapper form, with a claude that is not there. A prompt
    // given without `--` ("fix src/app.ts") is told where it goes by the command line's errors.
    process.stderr.write(
      `claude-fallback: ${argv[0]} is not an executable file: the form \`claude-fallback <path-to-claude> [its arguments]\` runs the claude it names\n`,
    );
    return 2;
  }
  const { ours, claudeArgs } = splitClaudeArgs(wrapped ?? argv);
  const refused = argumentsForNoClaude(ours, claudeArgs) ?? unknownHelpTopic(ours);
  if (refused) {
    process.stderr.write(`claude-fallback: ${refused}\n`);
    return 2;
  }
  const program = await buildProgram(claudeArgs, onlyCommand(ours));
  try {
    await program.parseAsync(ours, { from: "user" });
    return exitCodeSet();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0; help shown for a missing
      // subcommand (`config`) with 1.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CommandLineError) {
      process.stderr.write(`claude-fallback: ${describeCommandLineError(error, ours, claudeArgs)}\n`);
      return 2;
    }
    return reportFailure(error);
  }
}

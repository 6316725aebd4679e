import { spawn } from "node:child_process";

const FORWARDED_SIGNALS = ["SIGTERM", "SIGHUP"] as const;

/**
 * Runs `claude` on the user's own terminal (inherited stdio) and resolves with its exit code
 * (128 + signal number when a signal ended it, as a shell reports it). Ctrl-C reaches Claude
 * directly through the terminal, so this process ignores SIGINT while Claude runs; SIGTERM and
 * SIGHUP sent to us are passed on, so Claude never outlives us.
 */
export function runClaudeInheritingTerminal(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: "inherit" });
    const ignoreInterrupt = () => {};
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const forwarders = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    process.on("SIGINT", ignoreInterrupt);
    for (const [signal, handler] of forwarders) process.on(signal, handler);
    const cleanup = () => {
      process.off("SIGINT", ignoreInterrupt);
      for (const [signal, handler] of forwarders) process.off(signal, handler);
    };
    child.on("error", (error) => {
      cleanup();
      reject(error);
    });
    child.on("exit", (code, signal) => {
      cleanup();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 1;
}

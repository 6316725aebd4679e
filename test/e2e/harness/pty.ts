import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";

export interface PtyOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

export interface ExitInfo {
  exitCode: number;
  signal?: number;
}

/**
 * A program running in a pseudo-terminal whose output is rendered by a headless xterm, so
 * tests read the screen a person would see rather than the raw byte stream.
 */
export class PtySession {
  readonly terminal: InstanceType<typeof xterm.Terminal>;
  readonly process: pty.IPty;
  /** Every byte the program wrote, for diagnostics. */
  raw = "";
  readonly exited: Promise<ExitInfo>;
  private readonly waiters = new Set<() => void>();
  private exitInfo: ExitInfo | undefined;

  constructor(file: string, args: string[], options: PtyOptions) {
    const cols = options.cols ?? 120;
    const rows = options.rows ?? 40;
    this.terminal = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 5000 });
    this.process = pty.spawn(file, args, {
      name: "xterm-256color",
      cols,
      rows,
      cwd: options.cwd,
      env: options.env as Record<string, string>,
    });
    this.process.onData((data) => {
      this.raw += data;
      this.terminal.write(data, () => this.notify());
    });
    this.exited = new Promise((resolve) => {
      this.process.onExit((info) => {
        this.exitInfo = info;
        // Let the terminal finish parsing what arrived before the exit.
        this.terminal.write("", () => {
          this.notify();
          resolve(info);
        });
      });
    });
  }

  /** The terminal window changes size (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
    this.process.resize(cols, rows);
  }

  /** The visible screen plus scrollback, one string per line, trailing spaces trimmed. */
  lines(): string[] {
    const buffer = this.terminal.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buffer.length; i++) {
      out.push(buffer.getLine(i)?.translateToString(true) ?? "");
    }
    return out;
  }

  text(): string {
    return this.lines().join("\n");
  }

  /** Resolves when the screen matches; rejects with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    const matches = () => {
      const text = this.text();
      return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    };
    return this.waitUntil(matches, `screen to show ${String(pattern)}`, timeoutMs).then(() => this.text());
  }

  /**
   * Resolves when `condition` holds, re-checked after every output and at each poll tick; a
   * condition that throws fails the wait with its error (not an uncaught exception and a timeout).
   */
  waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          if (!condition()) return;
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        cleanup();
        resolve();
      };
      // Conditions may depend on things other than output (files, simulator state): poll too.
      const poll = setInterval(check, 50);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${this.text()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  write(data: string): void {
    this.process.write(data);
  }

  /** Types text the way a person does, then presses Enter. */
  async submit(text: string): Promise<void> {
    this.write(text);
    await this.waitFor(text.slice(-Math.min(text.length, 20)), 10_000);
    this.write("\r");
  }

  /**
   * Ends Claude as a person does once its turn is over: Ctrl-C, then Ctrl-C again when Claude
   * says "again to exit" (two presses sent at once can land as one, or during a turn interrupt it).
   */
  async pressCtrlCTwice(): Promise<void> {
    await this.waitUntil(() => !this.text().includes("esc to interrupt"), "claude to be idle");
    this.write("\x03");
    await this.waitFor(/again to exit/i, 10_000);
    this.write("\x03");
  }

  /** {@link pressCtrlCTwice}, then waits (bounded) for the program in the terminal to exit. */
  async quit(timeoutMs = 30_000): Promise<ExitInfo> {
    await this.pressCtrlCTwice();
    await this.waitUntil(
      () => this.exitInfo !== undefined,
      "the program to exit after Ctrl-C twice",
      timeoutMs,
    );
    return this.exited;
  }

  get exitCode(): number | undefined {
    return this.exitInfo?.exitCode;
  }

  kill(): void {
    if (this.exitInfo) return;
    try {
      this.process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  dispose(): void {
    this.kill();
    this.terminal.dispose();
  }

  /**
   * Ends the program the way a closing terminal would (SIGHUP, then SIGKILL after a grace), so a
   * wrapper can stop its own children first, and waits for it: nothing outlives the test.
   */
  async close(graceMs = 3000): Promise<void> {
    if (!this.exitInfo) {
      try {
        this.process.kill("SIGHUP");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => this.kill(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.terminal.dispose();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

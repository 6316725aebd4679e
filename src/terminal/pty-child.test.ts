import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive } from "../../test/support/processes.js";
import { exitStatus, PtyChild, type PtyChildOptions } from "./pty-child.js";

const live: PtyChild[] = [];
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "pty-child-test-"));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  const children = live.splice(0);
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
});

/** A child whose output is collected from its first byte. */
function start(options: PtyChildOptions): { child: PtyChild; output: Collected } {
  const child = PtyChild.spawn({ sizeSource: null, ...options });
  live.push(child);
  return { child, output: new Collected(child) };
}

function shell(script: string, options: Partial<PtyChildOptions> = {}) {
  return start({ file: "/bin/sh", args: ["-c", script], ...options });
}

class Collected {
  readonly chunks: Buffer[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(child: PtyChild) {
    child.onData((chunk) => {
      this.chunks.push(chunk);
      for (const waiter of [...this.waiters]) waiter();
    });
    void child.exited.then(() => {
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString("latin1");
  }

  /** Resolves when the output so far contains `pattern` (checked on every chunk). */
  waitFor(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const matches = () =>
      typeof pattern === "string" ? this.text.includes(pattern) : pattern.test(this.text);
    if (matches()) return Promise.resolve(this.text);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!matches()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.text);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`no ${String(pattern)} in output after ${timeoutMs} ms: ${JSON.stringify(this.text)}`),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}
/** Every byte value, invalid UTF-8, and a UTF-8 character to be split. */
const ALL_BYTES = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, index) => index)),
  Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0xc0, 0x80]),
  Buffer.from("日本語 😀 €", "utf8"),
]);

describe("PtyChild pass-through", () => {
  test("output arrives as Buffers, byte for byte (all byte values, invalid UTF-8)", async () => {
    const file = join(scratch, "all-bytes");
    writeFileSync(file, ALL_BYTES);
    // Raw output on the child's side too, so its line discipline does not turn \n into \r\n.
    const { child, output } = shell(`stty raw -echo; cat "${file}"; printf '\\342'; printf '\\202\\254'`);
    await child.exited;
    expect(output.chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    expect(output.bytes.equals(Buffer.concat([ALL_BYTES, Buffer.from("€")]))).toBe(true);
  });

  test("input reaches the child byte for byte, also split inside UTF-8 characters", async () => {
    const sent = Buffer.concat([ALL_BYTES, Buffer.from("é€")]);
    const { child, output } = shell(`stty raw -echo; printf READY; head -c ${sent.length} | od -An -tx1 -v`);
    await output.waitFor("READY");
    // In pieces that cut multi-byte characters, as reads from a terminal may.
    const euro = sent.length - 3;
    child.write(sent.subarray(0, 100));
    child.write(sent.subarray(100, euro + 1));
    child.write(sent.subarray(euro + 1, euro + 2));
    child.write(sent.subarray(euro + 2));
    await child.exited;
    const dump = output.text.slice(output.text.indexOf("READY") + 5);
    const received = Buffer.from(dump.replace(/\s+/g, ""), "hex");
    expect(received.toString("hex")).toBe(sent.toString("hex"));
  });

  test("strings are written as UTF-8", async () => {
    const { child, output } = shell("stty raw -echo; printf READY; head -c 6 | od -An -tx1");
    await output.waitFor("READY");
    child.write("é€\x1d");
    await child.exited;
    expect(output.text).toMatch(/c3 a9 e2 82 ac 1d/);
  });

  test("output written before the first subscriber is kept for it", async () => {
    const child = PtyChild.spawn({ file: "/bin/sh", args: ["-c", "printf early"], sizeSource: null });
    live.push(child);
    await child.exited;
    const chunks: Buffer[] = [];
    child.onData((chunk) => chunks.push(chunk));
    expect(Buffer.concat(chunks).toString()).toBe("early");
  });
});

describe("PtyChild output at the child's exit", () => {
  /** Blocks the event loop, as a synchronous write to a slow terminal (ssh, a loaded machine) does. */
  function blockFor(ms: number): void {
    const until = Date.now() + ms;
    while (Date.now() < until);
  }

  function blockUntil(condition: () => boolean): void {
    const deadline = Date.now() + 10_000;
    while (!condition() && Date.now() < deadline);
  }

  /**
   * A child that writes `sent` and exits at once. `sent` is more than two reads of the pty (4 KiB
   * each) and, up to 10 KB, less than it buffers, so the child can exit with most of it unread; no
   * newline, so the line discipline changes nothing.
   */
  function writeAndExit(sent: string) {
    return start({
      file: process.execPath,
      args: ["-e", `process.stdout.write(${JSON.stringify(sent)}); process.exit(0)`],
    });
  }

  test("a consumer busy with the first chunk until after the child is gone gets every byte before `exited` settles", async () => {
    const sent = `${"0123456789abcdef".repeat(620)}THE-END`;
    const { child, output } = writeAndExit(sent);
    let first = true;
    child.onData(() => {
      if (first) {
        blockUntil(() => !alive(child.pid));
        blockFor(300);
      }
      first = false;
    });
    await child.exited;
    expect(output.text.length).toBe(sent.length);
    expect(output.text).toBe(sent);
  });

  test("a consumer slow on every chunk gets every byte before `exited` settles", async () => {
    const sent = `${"0123456789abcdef".repeat(1500)}THE-END`;
    const { child, output } = writeAndExit(sent);
    // Longer than node-pty's 200 ms between the exit and destroying the pty's socket.
    child.onData(() => blockFor(250));
    await child.exited;
    expect(output.text.length).toBe(sent.length);
    expect(output.text).toBe(sent);
  }, 20_000);
});

describe("PtyChild size", () => {
  test("starts at the given size and follows resize()", async () => {
    const { child, output } = shell("stty size; read line; stty size", { cols: 91, rows: 17 });
    await output.waitFor("17 91");
    child.resize(100, 30);
    child.write("\r");
    await child.exited;
    expect(output.text).toMatch(/17 91[\s\S]*30 100/);
    expect(child.size).toEqual({ cols: 100, rows: 30 });
  });

  test("follows the real terminal's resize events", async () => {
    const terminal = Object.assign(new EventEmitter(), { columns: 90, rows: 20 });
    const { child, output } = shell("stty size; read line; stty size", {
      sizeSource: terminal as unknown as NodeJS.WriteStream,
    });
    await output.waitFor("20 90");
    Object.assign(terminal, { columns: 120, rows: 40 });
    terminal.emit("resize");
    child.write("\r");
    await child.exited;
    expect(output.text).toContain("40 120");
    expect(terminal.listenerCount("resize")).toBe(0);
  });

  test("80×24 without a size source", async () => {
    const { child, output } = shell("stty size");
    await child.exited;
    expect(output.text).toContain("24 80");
  });

  test("forceRedraw gives a program two real size changes, even one that ignores no-change SIGWINCH", async () => {
    // Node, like Claude Code, reports 'resize' only when the size it reads has changed.
    const script = `process.stdout.on("resize", () => process.stdout.write("size:" + process.stdout.columns + "x" + process.stdout.rows + ";"));
      process.stdout.write("ready;"); setInterval(() => {}, 1000);`;
    const { child, output } = start({ file: process.execPath, args: ["-e", script], cols: 80, rows: 24 });
    await output.waitFor("ready;");
    await child.forceRedraw();
    await output.waitFor("size:80x24;");
    expect(output.text).toContain("size:79x24;size:80x24;");
    expect(child.size).toEqual({ cols: 80, rows: 24 });
  });
});

describe("PtyChild exit and termination", () => {
  test("exit code passes through", async () => {
    const { child } = shell("exit 7");
    const exit = await child.exited;
    expect(exit).toEqual({ exitCode: 7, signal: null });
    expect(exitStatus(exit)).toBe(7);
    expect(child.exitInfo).toEqual(exit);
  });

  test("death by a signal is reported as the signal", async () => {
    const { child } = shell("kill -SEGV $$");
    const exit = await child.exited;
    expect(exit.signal).toBe("SIGSEGV");
    expect(exitStatus(exit)).toBe(139);
  });

  test("terminate() stops a child with SIGTERM", async () => {
    const { child, output } = shell("printf ready; exec sleep 1000");
    await output.waitFor("ready");
    expect((await child.terminate(5000)).signal).toBe("SIGTERM");
  });

  test("terminate() kills a child that ignores SIGTERM, after the grace period", async () => {
    const { child, output } = shell("trap '' TERM; printf ready; exec sleep 1000");
    await output.waitFor("ready");
    const started = Date.now();
    const exit = await child.terminate(300);
    expect(exit.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test("terminate() reaches the whole process group", async () => {
    const { child, output } = shell("trap '' TERM; sleep 1000 & printf 'bg=%s;' $!; wait");
    const text = await output.waitFor(/bg=\d+;/);
    const background = Number(/bg=(\d+);/.exec(text)![1]);
    expect(alive(background)).toBe(true);
    await child.terminate(200);
    await eventually(() => !alive(background), "the background process to die");
  });

  test("after exit, write, resize, kill and forceRedraw do nothing and do not throw", async () => {
    const { child } = shell("exit 0");
    await child.exited;
    child.write("x");
    child.resize(10, 10);
    child.kill("SIGKILL");
    await child.forceRedraw();
    expect(await child.terminate(10)).toEqual({ exitCode: 0, signal: null });
  });
});

describe("PtyChild environment", () => {
  test("TERM defaults to xterm-256color; COLUMNS and LINES are dropped", async () => {
    const env = { PATH: process.env.PATH, COLUMNS: "5", LINES: "5" };
    const { child, output } = shell('printf "%s|" "$TERM"; env | grep -c -E "^(COLUMNS|LINES)="', { env });
    await child.exited;
    expect(output.text.trim()).toBe("xterm-256color|0");
  });

  test("TERM from the environment is kept", async () => {
    const { child, output } = shell('printf "%s" "$TERM"', {
      env: { PATH: process.env.PATH, TERM: "screen-256color" },
    });
    await child.exited;
    expect(output.text).toBe("screen-256color");
  });
});

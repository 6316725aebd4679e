import { EventEmitter } from "node:events";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pty from "@lydell/node-pty";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { readToTheEnd, DRAIN_TIMING as TIMING } from "./pty-drain.js";

describe("on the real node-pty", () => {
  const live: pty.IPty[] = [];
  afterEach(() => {
    for (const terminal of live.splice(0)) terminal.kill("SIGKILL");
  });

  function spawn(script: string): pty.IPty {
    const terminal = pty.spawn(process.execPath, ["-e", script], { encoding: null } as pty.IPtyForkOptions);
    live.push(terminal);
    return terminal;
  }

  test("its internals are the ones relied on", () => {
    const version = createRequire(import.meta.url)("@lydell/node-pty/package.json").version;
    const installed = readToTheEnd(spawn("process.exit(0)"));
    // If this fails, node-pty changed (it is ${version} now): pty-drain.ts must follow it, or the
    // end of Claude's output may be lost again at its exit.
    expect({ version, installed }).toEqual({ version, installed: true });
  });

  test("its destroy 200 ms after the exit waits for output not read yet", async () => {
    const terminal = spawn(`process.stdout.write("the last line"); process.exit(0)`);
    readToTheEnd(terminal);
    // Nothing is read meanwhile, as when the event loop is busy elsewhere.
    terminal.pause();
    const socket = (terminal as unknown as { _socket: { destroy: () => unknown } })._socket;
    const destroy = socket.destroy.bind(socket);
    let askedToDestroy = false;
    socket.destroy = () => {
      askedToDestroy = true;
      return destroy();
    };
    const chunks: Buffer[] = [];
    terminal.onData((chunk) => chunks.push(chunk as unknown as Buffer));
    let exited = false;
    terminal.onExit(() => {
      exited = true;
    });
    await eventually(() => askedToDestroy, "node-pty to destroy the socket after the exit (does it still?)");
    terminal.resume();
    await eventually(() => exited, "the exit");
    expect(Buffer.concat(chunks).toString()).toBe("the last line");
  });
});

/** node-pty's terminal as far as the hold sees it, with a socket that records what is done to it. */
class FakeTerminal {
  _boundClose = false;
  _emittedClose = false;
  readonly _socket = new FakeSocket();
  constructor(readonly _fd = -1) {}

  /** What node-pty does when the child exits: waits for the close, and 200 ms later destroys. */
  childExited(): void {
    this._boundClose = true;
  }
}

class FakeSocket extends EventEmitter {
  destroyed = false;
  readonly destroyedWith: unknown[] = [];
  readonly pushed: (string | null)[] = [];

  destroy(error?: Error): this {
    this.destroyed = true;
    this.destroyedWith.push(error);
    this.emit("close");
    return this;
  }

  push(chunk: Buffer | null): boolean {
    this.pushed.push(chunk === null ? null : chunk.toString());
    return true;
  }

  /** A chunk read from the pty (node-pty's own listener and the consumer run before the hold's). */
  data(): void {
    this.emit("data", Buffer.from("x"));
  }
}

describe("the hold on node-pty's destroy", () => {
  let terminal: FakeTerminal;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate"] });
    terminal = new FakeTerminal();
    expect(readToTheEnd(terminal)).toBe(true);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The event loop's next round: a poll of the pty (here: nothing read), then the check. */
  function nextRound(): void {
    vi.advanceTimersToNextTimer();
  }

  test("a destroy before the exit goes through", () => {
    terminal._socket.destroy();
    expect(terminal._socket.destroyedWith).toEqual([undefined]);
  });

  test("a destroy for an error (EIO at the output's end) goes through, also after the exit", () => {
    terminal.childExited();
    const eio = new Error("read EIO");
    terminal._socket.destroy(eio);
    expect(terminal._socket.destroyedWith).toEqual([eio]);
  });

  test("node-pty's destroy after the exit waits until no output came for quietMs", () => {
    terminal.childExited();
    terminal._socket.destroy();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(TIMING.quietMs - 1);
      terminal._socket.data();
    }
    expect(terminal._socket.destroyedWith).toEqual([]);
    vi.advanceTimersByTime(TIMING.quietMs);
    nextRound();
    expect(terminal._socket.destroyedWith).toEqual([undefined]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("output read between the quiet time and the check keeps the socket open", () => {
    terminal.childExited();
    terminal._socket.destroy();
    vi.advanceTimersToNextTimer(); // the quiet time is over: the check is due after a poll
    terminal._socket.data(); // …which found output
    vi.advanceTimersByTime(TIMING.quietMs - 1);
    expect(terminal._socket.destroyedWith).toEqual([]);
    vi.advanceTimersByTime(1);
    nextRound();
    expect(terminal._socket.destroyedWith).toEqual([undefined]);
  });

  test("output that never stops is cut at limitMs", () => {
    terminal.childExited();
    terminal._socket.destroy();
    for (let elapsed = 0; elapsed < TIMING.limitMs - 100; elapsed += 100) {
      vi.advanceTimersByTime(100);
      terminal._socket.data();
    }
    expect(terminal._socket.destroyedWith).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(terminal._socket.destroyedWith).toEqual([undefined]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a socket that closes by itself ends the hold, and a later destroy goes through", () => {
    terminal.childExited();
    terminal._socket.destroy();
    terminal._socket.emit("close");
    expect(vi.getTimerCount()).toBe(0);
    terminal._socket.destroy();
    expect(terminal._socket.destroyedWith).toEqual([undefined]);
  });

  test("output before the exit starts nothing", () => {
    terminal._socket.data();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("the read to the end", () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "pty-drain-test-"));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test("when the stream is ended, what is still to be read comes first", () => {
    const file = join(scratch, "rest");
    // More than one read, to show it reads on to the end.
    const rest = "r".repeat(100_000);
    writeFileSync(file, rest);
    const fd = openSync(file, "r");
    try {
      const terminal = new FakeTerminal(fd);
      readToTheEnd(terminal);
      terminal._socket.push(Buffer.from("read by libuv"));
      terminal._socket.push(null);
      const pushed = terminal._socket.pushed;
      expect(pushed[0]).toBe("read by libuv");
      expect(pushed.slice(1, -1).join("")).toBe(rest);
      expect(pushed.at(-1)).toBe(null);
    } finally {
      closeSync(fd);
    }
  });

  test("nothing is read once the socket was destroyed: its descriptor may be another file's by then", () => {
    const file = join(scratch, "another");
    writeFileSync(file, "not the pty's");
    const fd = openSync(file, "r");
    try {
      const terminal = new FakeTerminal(fd);
      readToTheEnd(terminal);
      terminal._socket.destroy(new Error("read EIO"));
      terminal._socket.push(null);
      expect(terminal._socket.pushed).toEqual([null]);
    } finally {
      closeSync(fd);
    }
  });

  test("a pty that has nothing left (EIO, EAGAIN, a closed descriptor) ends at once", () => {
    const terminal = new FakeTerminal(-1);
    readToTheEnd(terminal);
    terminal._socket.push(null);
    expect(terminal._socket.pushed).toEqual([null]);
  });
});

test("without node-pty's internals nothing is changed", () => {
  const socket = new FakeSocket();
  const destroy = socket.destroy;
  expect(readToTheEnd({ _socket: socket })).toBe(false);
  expect(readToTheEnd({ _socket: {}, _boundClose: false, _emittedClose: false, _fd: 3 })).toBe(false);
  expect(readToTheEnd(null)).toBe(false);
  expect(socket.destroy).toBe(destroy);
});

import { Writable } from "node:stream";
import { describe, expect, test, vi } from "vitest";
import { onBrokenPipe, quietBrokenPipes } from "./broken-pipe.js";

function brokenError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code, syscall: "write" });
}

/** An object with lazily created stdout and stderr, as `process` has. */
function lazyHolder() {
  const created: Writable[] = [];
  const holder = {} as { stdout: Writable; stderr: Writable };
  for (const name of ["stdout", "stderr"] as const) {
    let stream: Writable | undefined;
    Object.defineProperty(holder, name, {
      configurable: true,
      enumerable: true,
      get() {
        if (!stream) {
          stream = new Writable({ write: (_chunk, _encoding, done) => done() });
          created.push(stream);
        }
        return stream;
      },
    });
  }
  return { holder, created };
}

describe("quietBrokenPipes", () => {
  test("creates neither stream itself", () => {
    const { holder, created } = lazyHolder();
    quietBrokenPipes(holder);
    expect(created).toEqual([]);
    expect(holder.stdout).toBe(holder.stdout);
    expect(created).toHaveLength(1);
  });

  test.each(["EPIPE", "EIO"])(
    "a reader gone (%s: a pipe's, a terminal that hung up) on either stream is quiet",
    (code) => {
      const { holder } = lazyHolder();
      quietBrokenPipes(holder);
      expect(() => holder.stdout.emit("error", brokenError(code))).not.toThrow();
      expect(() => holder.stderr.emit("error", brokenError(code))).not.toThrow();
    },
  );

  test("another write error stays fatal, as with no listener", () => {
    const { holder } = lazyHolder();
    quietBrokenPipes(holder);
    expect(() => holder.stdout.emit("error", brokenError("ENOSPC"))).toThrow("write ENOSPC");
    // Without it, an EPIPE would be thrown the same way.
    const bare = lazyHolder().holder;
    expect(() => bare.stdout.emit("error", brokenError("EPIPE"))).toThrow("write EPIPE");
  });

  test("installing twice listens once", () => {
    const { holder } = lazyHolder();
    quietBrokenPipes(holder);
    quietBrokenPipes(holder);
    expect(holder.stdout.listenerCount("error")).toBe(1);
  });

  test("streams that exist already are made quiet at once", () => {
    const stdout = new Writable({ write: (_chunk, _encoding, done) => done() });
    const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
    quietBrokenPipes({ stdout, stderr });
    expect(() => stdout.emit("error", brokenError("EPIPE"))).not.toThrow();
  });
});

describe("onBrokenPipe", () => {
  test("tells its listener of a broken pipe on any of the streams, of nothing else, until it is turned off", () => {
    const { holder } = lazyHolder();
    quietBrokenPipes(holder);
    const gone = vi.fn();
    const off = onBrokenPipe([holder.stdout, holder.stderr], gone);
    holder.stdout.emit("error", brokenError("EPIPE"));
    holder.stderr.emit("error", brokenError("EPIPE"));
    holder.stdout.emit("error", brokenError("EIO"));
    expect(gone).toHaveBeenCalledTimes(3);
    expect(() => holder.stdout.emit("error", brokenError("ENOSPC"))).toThrow("write ENOSPC");
    expect(gone).toHaveBeenCalledTimes(3);
    off();
    holder.stdout.emit("error", brokenError("EPIPE"));
    expect(gone).toHaveBeenCalledTimes(3);
    expect(holder.stdout.listenerCount("error")).toBe(1);
  });
});

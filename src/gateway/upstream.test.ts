import type { Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { Cancellation, UpstreamBody } from "./upstream.js";

function fakeController() {
  const calls: string[] = [];
  const controller = {
    pause: () => calls.push("pause"),
    resume: () => calls.push("resume"),
    abort: (reason: Error) => calls.push(`abort:${reason.message}`),
  } as unknown as Dispatcher.DispatchController;
  return { controller, calls };
}

describe("UpstreamBody", () => {
  it("hands chunks that came before the consumer to it first, in order, then the rest as they come", async () => {
    const { controller } = fakeController();
    const body = new UpstreamBody(controller, () => {});
    body.push(Buffer.from("a"));
    body.push(Buffer.from("b"));
    const seen: string[] = [];
    const finished = body.consume((chunk) => seen.push(chunk.toString()));
    expect(seen).toEqual(["a", "b"]);
    body.push(Buffer.from("c"));
    expect(seen).toEqual(["a", "b", "c"]);
    body.end();
    await expect(finished).resolves.toBe(true);
  });

  it("reads a whole body, and rejects with the upstream's own error when it fails", async () => {
    const ok = new UpstreamBody(fakeController().controller, () => {});
    ok.push(Buffer.from('{"type":'));
    ok.push(Buffer.from('"error"}'));
    ok.end();
    await expect(ok.bytes()).resolves.toEqual(Buffer.from('{"type":"error"}'));

    const cut = new UpstreamBody(fakeController().controller, () => {});
    cut.push(Buffer.from("{"));
    const socketError = new Error("other side closed");
    cut.fail(socketError);
    cut.fail(new Error("a later failure"));
    await expect(cut.bytes()).rejects.toBe(socketError);
  });

  it("settles once: the first of end and failure wins, and the settle hook runs once", async () => {
    let settled = 0;
    const body = new UpstreamBody(fakeController().controller, () => settled++);
    body.end();
    body.fail(new Error("late"));
    await expect(body.consume(() => {})).resolves.toBe(true);
    expect(settled).toBe(1);
  });

  it("aborts the upstream request when abandoned before its end, and not after", () => {
    const going = fakeController();
    new UpstreamBody(going.controller, () => {}).destroy();
    expect(going.calls).toEqual(["abort:response abandoned"]);

    const done = fakeController();
    const ended = new UpstreamBody(done.controller, () => {});
    ended.end();
    ended.destroy();
    expect(done.calls).toEqual([]);
  });

  it("passes back-pressure to undici's controller", () => {
    const { controller, calls } = fakeController();
    const body = new UpstreamBody(controller, () => {});
    body.pause();
    body.resume();
    expect(calls).toEqual(["pause", "resume"]);
  });
});

describe("Cancellation", () => {
  it("runs the current action once, however often it is cancelled, and none once it was cleared", () => {
    const calls: string[] = [];
    const first = new Cancellation();
    first.onCancel(() => calls.push("abort"));
    expect(first.cancelled).toBe(false);
    first.cancel();
    first.cancel();
    expect(first.cancelled).toBe(true);
    expect(calls).toEqual(["abort"]);

    const settled = new Cancellation();
    settled.onCancel(() => calls.push("too late"));
    settled.onCancel(null);
    settled.cancel();
    expect(settled.cancelled).toBe(true);
    expect(calls).toEqual(["abort"]);
  });
});

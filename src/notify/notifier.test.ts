import { describe, expect, it } from "vitest";
import { type Channel, ChannelUnavailableError, type OutgoingNotification } from "./channel.js";
import { type ChannelError, channelsFor, Notifier } from "./notifier.js";

const KEY = `sk-ant-api03-unit${"z".repeat(70)}WXYZ`;
const ODD_KEY = "vault-issued-secret-0123456789abcdef";

function recording(name = "fake"): Channel & { sent: OutgoingNotification[] } {
  const sent: OutgoingNotification[] = [];
  return {
    name,
    sent,
    async send(notification) {
      sent.push(notification);
    },
  };
}

const off = { terminal: true, desktop: false, webhook_url: null };

describe("Notifier", () => {
  it("sends each notification to every channel (saying an event once is the run's, SaidOnce)", async () => {
    const a = recording("a");
    const b = recording("b");
    const notifier = new Notifier({ notifications: off, channels: [a, b] });
    await notifier.notify({ kind: "limit_reached", title: "T", body: "one" });
    await notifier.notify({ kind: "limit_reached", title: "T", body: "two" });
    expect(a.sent.map((n) => n.body)).toEqual(["one", "two"]);
    expect(b.sent.map((n) => n.body)).toEqual(["one", "two"]);
  });

  it("masks the run's key and anything key-shaped in title and body", async () => {
    const channel = recording();
    const notifier = new Notifier({
      notifications: off,
      channels: [channel],
      secrets: () => [ODD_KEY, null],
    });
    await notifier.notify({
      kind: "error",
      title: `bad ${KEY}`,
      body: `upstream said ${KEY} and ${ODD_KEY}`,
    });
    const text = JSON.stringify(channel.sent);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY.slice(-20));
    expect(text).not.toContain(ODD_KEY);
    expect(channel.sent[0]?.body).toContain("sk-ant-…WXYZ");
  });

  it("a channel that throws, rejects or hangs never reaches the caller; each is reported once", async () => {
    const errors: ChannelError[] = [];
    const throwing: Channel = {
      name: "throwing",
      send() {
        throw new Error(`boom ${KEY}`);
      },
    };
    const hanging: Channel = { name: "hanging", send: () => new Promise(() => {}) };
    const gone: Channel = {
      name: "gone",
      send: async () => {
        throw new ChannelUnavailableError("not here");
      },
    };
    const good = recording("good");
    const notifier = new Notifier({
      notifications: off,
      channels: [throwing, hanging, gone, good],
      timeoutMs: 200,
      onChannelError: (error) => errors.push(error),
    });
    const started = Date.now();
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    await notifier.notify({ kind: "reverted", title: "T", body: "B" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(good.sent).toHaveLength(2);
    expect(errors.map((e) => [e.channel, e.unavailable])).toEqual([
      ["throwing", false],
      ["gone", true],
      ["hanging", false],
    ]);
    expect(errors[0]?.message).not.toContain(KEY);
    expect(errors[2]?.message).toBe("hanging notification failed: did not finish within 200 ms");
  });

  it("notify returns before delivery; flush waits for it", async () => {
    let release!: () => void;
    const sent: string[] = [];
    const slow: Channel = {
      name: "slow",
      send: (n) =>
        new Promise<void>((resolve) => {
          release = () => {
            sent.push(n.body);
            resolve();
          };
        }),
    };
    const notifier = new Notifier({ notifications: off, channels: [slow] });
    const delivery = notifier.notify({ kind: "limit_reached", title: "T", body: "x" });
    expect(sent).toEqual([]);
    const flushed = notifier.flush();
    await Promise.resolve();
    release();
    await flushed;
    await delivery;
    expect(sent).toEqual(["x"]);
  });

  it("builds the channels the config enables", () => {
    expect(channelsFor({ notifications: off }).map((c) => c.name)).toEqual([]);
    expect(
      channelsFor({
        notifications: { terminal: false, desktop: true, webhook_url: "http://127.0.0.1:1/x" },
      }).map((c) => c.name),
    ).toEqual(["desktop", "webhook"]);
  });
});

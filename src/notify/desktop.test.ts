import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OutgoingNotification } from "./channel.js";
import { createDesktopChannel, desktopCommand, findOnPath, OSASCRIPT_SCRIPT } from "./desktop.js";
import { type ChannelError, Notifier } from "./notifier.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-desktop-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A fake notifier program: appends its argv as one JSON line (newlines and NULs survive). */
function fakeProgram(name: string, behaviour = ""): string {
  const log = join(dir, `${name}.log`);
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!${process.execPath}
require("node:fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + "\\n");
${behaviour}
`,
    { mode: 0o755 },
  );
  return log;
}

function calls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[]);
}

function env(): NodeJS.ProcessEnv {
  return { PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin` };
}

function note(title: string, body: string): OutgoingNotification {
  return { kind: "limit_reached", title, body, at: 0, sessionId: null, runId: null };
}

const hostile = () => ({
  title: `-t 1 "quoted" 'single' $(touch ${dir}/pwned-title)`,
  body: `line one\nline two \`touch ${dir}/pwned-tick\` $(touch ${dir}/pwned-body); touch ${dir}/pwned-semi | cat & \\ \u00e9 \u2014 $HOME %s`,
});

describe("desktopCommand", () => {
  it("passes title and body to notify-send after --", () => {
    expect(desktopCommand("linux", "T", "B")).toEqual({
      file: "notify-send",
      args: ["--app-name=claude-fallback", "--", "T", "B"],
    });
  });

  it("gives osascript a fixed script and the texts as its arguments", () => {
    const command = desktopCommand("darwin", "T", "B");
    expect(command?.file).toBe("osascript");
    expect(command?.args).toEqual([
      "-e",
      "on run argv",
      "-e",
      "display notification (item 2 of argv) with title (item 1 of argv)",
      "-e",
      "end run",
      "T",
      "B",
    ]);
    // The script is the same whatever the texts: they are only ever its arguments.
    expect(desktopCommand("darwin", '" & do shell script "id', "x")?.args.slice(0, 6)).toEqual(
      command?.args.slice(0, 6),
    );
  });

  it("has no notifier on other platforms", () => {
    expect(desktopCommand("win32", "T", "B")).toBeNull();
  });
});

describe("findOnPath", () => {
  it("finds executables only, in PATH order, ignoring relative entries", () => {
    writeFileSync(join(dir, "tool"), "x", { mode: 0o644 });
    expect(findOnPath("tool", `relative:${dir}`)).toBeNull();
    writeFileSync(join(dir, "tool2"), "#!/bin/sh\n", { mode: 0o755 });
    expect(findOnPath("tool2", `relative:${dir}`)).toBe(join(dir, "tool2"));
    expect(findOnPath("tool2", undefined)).toBeNull();
  });
});

describe("desktop channel", () => {
  it("linux: hostile text reaches notify-send verbatim as data and runs nothing", async () => {
    const log = fakeProgram("notify-send");
    const { title, body } = hostile();
    const channel = createDesktopChannel({ platform: "linux", env: env() });
    await channel.send(note(title, body), new AbortController().signal);
    expect(calls(log)).toEqual([["--app-name=claude-fallback", "--", title, body]]);
    for (const name of ["pwned-title", "pwned-tick", "pwned-body", "pwned-semi"]) {
      expect(existsSync(join(dir, name))).toBe(false);
    }
  });

  it("darwin: hostile text reaches osascript as run-handler arguments", async () => {
    const log = fakeProgram("osascript");
    const { body } = hostile();
    const title = `claude-fallback: "x" $(touch ${dir}/pwned-title) \`id\``;
    const channel = createDesktopChannel({ platform: "darwin", env: env() });
    await channel.send(note(title, body), new AbortController().signal);
    expect(calls(log)).toEqual([[...OSASCRIPT_SCRIPT.flatMap((line) => ["-e", line]), title, body]]);
    expect(existsSync(join(dir, "pwned-title"))).toBe(false);
    expect(existsSync(join(dir, "pwned-body"))).toBe(false);
  });

  it("darwin: a title or body that looks like an option is not read as one", () => {
    expect(desktopCommand("darwin", "-e evil", "B")?.args.slice(-2)).toEqual([" -e evil", "B"]);
    expect(desktopCommand("darwin", "T", "-e do shell script")?.args.slice(-2)).toEqual([
      "T",
      " -e do shell script",
    ]);
  });

  it("darwin: an AppleScript injection in the title reaches osascript as one plain argument", async () => {
    const log = fakeProgram("osascript");
    const title = `"; do shell script "touch ${dir}/pwned-as" --`;
    const body = `" & (do shell script "touch ${dir}/pwned-as2") & "`;
    const channel = createDesktopChannel({ platform: "darwin", env: env() });
    await channel.send(note(title, body), new AbortController().signal);
    // The script osascript compiles is the fixed one: the texts are values of `argv`, never source.
    expect(calls(log)).toEqual([
      [
        "-e",
        "on run argv",
        "-e",
        "display notification (item 2 of argv) with title (item 1 of argv)",
        "-e",
        "end run",
        title,
        body,
      ],
    ]);
    expect(existsSync(join(dir, "pwned-as"))).toBe(false);
    expect(existsSync(join(dir, "pwned-as2"))).toBe(false);
  });

  it("a NUL, which no argument can carry, becomes U+FFFD instead of failing the spawn", async () => {
    const log = fakeProgram("notify-send");
    const channel = createDesktopChannel({ platform: "linux", env: env() });
    await channel.send(note("a\0b", "c\0"), new AbortController().signal);
    expect(calls(log)).toEqual([["--app-name=claude-fallback", "--", "a\uFFFDb", "c\uFFFD"]]);
    expect(desktopCommand("darwin", "\0-x", "-\0")?.args.slice(-2)).toEqual(["\uFFFD-x", " -\uFFFD"]);
  });

  it("any texts: a fixed program text, then exactly the two texts, neither readable as an option", () => {
    const text = fc
      .array(
        fc.oneof(
          fc.constantFrom("-", "--", "-e", "\0", '"', "\\", "'", "\n", "$(", "`", ";"),
          fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
        ),
        { maxLength: 20 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, text, (title, body) => {
        const clean = (s: string) => s.replaceAll("\0", "\uFFFD");
        const guarded = (s: string) => (clean(s).startsWith("-") ? ` ${clean(s)}` : clean(s));
        const mac = desktopCommand("darwin", title, body)?.args ?? [];
        expect(mac).toEqual([
          ...OSASCRIPT_SCRIPT.flatMap((line) => ["-e", line]),
          guarded(title),
          guarded(body),
        ]);
        const linux = desktopCommand("linux", title, body)?.args ?? [];
        expect(linux).toEqual(["--app-name=claude-fallback", "--", clean(title), clean(body)]);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it("reports a failing notify-send with its last stderr line", async () => {
    fakeProgram("notify-send", 'process.stderr.write("noise\\nno D-Bus session\\n"); process.exit(3);');
    const channel = createDesktopChannel({ platform: "linux", env: env() });
    await expect(channel.send(note("T", "B"), new AbortController().signal)).rejects.toThrow(
      "notify-send failed (exit 3): no D-Bus session",
    );
  });
});

describe("Notifier with the desktop channel", () => {
  it("no notify-send on PATH: unavailable, reported once, not tried again", async () => {
    const errors: ChannelError[] = [];
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: true, webhook_url: null },
      platform: "linux",
      env: { PATH: dir },
      onChannelError: (error) => errors.push(error),
    });
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    await notifier.notify({ kind: "switched_to_api", title: "T", body: "B" });
    expect(errors).toEqual([
      {
        channel: "desktop",
        message: "desktop notifications are unavailable: notify-send is not on PATH",
        unavailable: true,
      },
    ]);
  });

  it("a notify-send that hangs is killed and the notifier returns within its bound", async () => {
    const log = fakeProgram("notify-send", "setInterval(() => {}, 1000);");
    const errors: ChannelError[] = [];
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: true, webhook_url: null },
      platform: "linux",
      env: env(),
      timeoutMs: 500,
      onChannelError: (error) => errors.push(error),
    });
    const started = Date.now();
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/did not finish within/);
    expect(errors[0]?.unavailable).toBe(false);
    expect(calls(log)).toHaveLength(1);
  });

  it("desktop: false sends nothing", async () => {
    const log = fakeProgram("notify-send");
    const notifier = new Notifier({
      notifications: { terminal: true, desktop: false, webhook_url: null },
      platform: "linux",
      env: env(),
    });
    await notifier.notify({ kind: "limit_reached", title: "T", body: "B" });
    expect(calls(log)).toEqual([]);
  });
});

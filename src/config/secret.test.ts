import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive, killLeftover, recordedPid } from "../../test/support/processes.js";
import { UsageError } from "../errors.js";
import {
  API_KEY_ENV,
  apiKeySource,
  createKeyProvider,
  maskKey,
  redactSecrets,
  resolveApiKey,
  runKeyCommand,
} from "./secret.js";

/** Made-up keys of the real length; not credentials. */
const FILE_KEY = `sk-ant-api03-test${"fILe-key".repeat(9).slice(0, 70)}FILE`;
const ENV_KEY = `sk-ant-api03-test${"eNv_key0".repeat(9).slice(0, 70)}ENVK`;
const CMD_KEY = `sk-ant-api03-test${"cMd-key1".repeat(9).slice(0, 70)}CMDK`;

const BASE_ENV = { PATH: process.env.PATH };

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-secret-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function usageErrorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("maskKey", () => {
  it.each([
    [FILE_KEY, "sk-ant-…FILE"],
    ["sk-ant-api03-test-abcdWXYZ", "sk-ant-…WXYZ"],
    ["sk-ant-short", "sk-ant-…"],
    ["sk-ant-", "sk-ant-…"],
    ["hunter2", "…"],
    ["a-long-non-anthropic-secret-1234", "…1234"],
    ["", "…"],
  ])("maskKey(%j) = %s", (key, masked) => {
    expect(maskKey(key)).toBe(masked);
  });
});

describe("redactSecrets", () => {
  it.each([
    [`error with ${FILE_KEY} inside`, [], "error with sk-ant-…FILE inside"],
    [`two: ${FILE_KEY} and ${ENV_KEY}.`, [], "two: sk-ant-…FILE and sk-ant-…ENVK."],
    [
      "a known non-Anthropic secret: hunter2-hunter2",
      ["hunter2-hunter2"],
      "a known non-Anthropic secret: …ter2",
    ],
    ["a short known secret: hunter2!", ["hunter2!"], "a short known secret: …"],
    ["nothing to hide here", [FILE_KEY], "nothing to hide here"],
    ["the bare prefix sk-ant- is fine", [], "the bare prefix sk-ant- is fine"],
    ["ignores null and short keys", [null, undefined, "ab"], "ignores null and short keys"],
  ])("redactSecrets(%j)", (text, keys, expected) => {
    expect(redactSecrets(text, keys)).toBe(expected);
  });
});

describe("key precedence", () => {
  const command = `printf '%s\\n' ${CMD_KEY}`;
  /** [case, env, api_key_command, api_key, expected] */
  const CASES: [
    string,
    Record<string, string>,
    string | null,
    string | null,
    { key: string; source: string } | null,
  ][] = [
    [
      "env beats command and file",
      { [API_KEY_ENV]: ENV_KEY },
      command,
      FILE_KEY,
      { key: ENV_KEY, source: "env" },
    ],
    ["env beats file", { [API_KEY_ENV]: ENV_KEY }, null, FILE_KEY, { key: ENV_KEY, source: "env" }],
    ["command beats file", {}, command, FILE_KEY, { key: CMD_KEY, source: "command" }],
    ["command alone", {}, command, null, { key: CMD_KEY, source: "command" }],
    ["file alone", {}, null, FILE_KEY, { key: FILE_KEY, source: "config" }],
    [
      "an empty env variable is unset",
      { [API_KEY_ENV]: "" },
      null,
      FILE_KEY,
      { key: FILE_KEY, source: "config" },
    ],
    ["none", {}, null, null, null],
  ];

  it.each(CASES)("%s", async (_name, env, api_key_command, api_key, expected) => {
    const config = { api_key, api_key_command };
    const fullEnv = { ...BASE_ENV, ...env };
    expect(await resolveApiKey(config, fullEnv)).toEqual(expected);
    expect(apiKeySource(config, fullEnv)).toBe(expected?.source ?? null);
  });

  it("apiKeySource reports the command without running it", () => {
    const marker = join(dir, "ran");
    const source = apiKeySource(
      { api_key: null, api_key_command: `touch ${marker}; echo ${CMD_KEY}` },
      BASE_ENV,
    );
    expect(source).toBe("command");
    expect(existsSync(marker)).toBe(false);
  });

  it("an env key that is not an API key is refused, masked", async () => {
    const bad = `sk-ant-oat01-test${"o".repeat(60)}`;
    const message = await usageErrorOf(
      resolveApiKey({ api_key: null, api_key_command: null }, { [API_KEY_ENV]: bad }),
    );
    expect(message).toBe(
      `${API_KEY_ENV} is sk-ant-…oooo: a Claude subscription login token (sk-ant-oat…), not an API key`,
    );
    expect(message).not.toContain(bad);
  });
});

describe("createKeyProvider", () => {
  it("runs the command only when asked, and only once", async () => {
    const counter = join(dir, "count");
    const provider = createKeyProvider(
      { api_key: null, api_key_command: `echo run >> ${counter}; echo ${CMD_KEY}` },
      BASE_ENV,
    );
    expect(provider.source).toBe("command");
    expect(existsSync(counter)).toBe(false);
    const [first, second] = await Promise.all([provider.get(), provider.get()]);
    expect(await provider.get()).toEqual({ key: CMD_KEY, source: "command" });
    expect(first).toBe(second);
    expect(readFileSync(counter, "utf8")).toBe("run\n");
  });

  it("reports a missing key as null", async () => {
    const provider = createKeyProvider({ api_key: null, api_key_command: null }, {});
    expect(provider.source).toBeNull();
    expect(await provider.get()).toBeNull();
  });
});

describe("api_key_command: the macOS Keychain example of docs/platforms.md", () => {
  const KEYCHAIN_COMMAND = "security find-generic-password -s claude-fallback -w";

  /** A stand-in for macOS's `security`: knows one item, answers like the real one otherwise. */
  function fakeSecurity(): NodeJS.ProcessEnv {
    writeFileSync(
      join(dir, "security"),
      `#!/bin/sh
if [ "$#" = 4 ] && [ "$1 $2 $3 $4" = "find-generic-password -s claude-fallback -w" ]; then echo ${CMD_KEY}; exit 0; fi
echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2
exit 44
`,
      { mode: 0o755 },
    );
    return { PATH: `${dir}:${BASE_ENV.PATH}` };
  }

  it("reads the key that `security -w` prints, newline and all", async () => {
    expect(await runKeyCommand(KEYCHAIN_COMMAND, fakeSecurity())).toBe(CMD_KEY);
  });

  it("a missing item is one line that names the cause", async () => {
    expect(
      await usageErrorOf(runKeyCommand("security find-generic-password -s no-such-item -w", fakeSecurity())),
    ).toBe(
      "api_key_command failed (exit status 44): security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.",
    );
  });
});

describe("api_key_command", () => {
  it.each([
    ["plain output", `echo ${CMD_KEY}`],
    ["surrounding whitespace and CRLF", `printf '  %s\\r\\n\\n' ${CMD_KEY}`],
    ["through the environment", `printf %s "$THE_KEY"`],
    ["with shell syntax", `K=${CMD_KEY}; test -n "$K" && echo "$K"`],
  ])("accepts %s", async (_name, command) => {
    expect(await runKeyCommand(command, { ...BASE_ENV, THE_KEY: CMD_KEY })).toBe(CMD_KEY);
  });

  /** [case, command, timeout ms, the whole message] */
  const FAILURES: [string, string, number, string][] = [
    ["non-zero exit", "exit 3", 5000, "api_key_command failed (exit status 3)"],
    [
      "non-zero exit with stderr",
      "echo 'first line' >&2; echo 'pass: entry not found' >&2; exit 1",
      5000,
      "api_key_command failed (exit status 1): pass: entry not found",
    ],
    ["not found", "definitely-not-a-command-cf", 5000, "api_key_command failed (exit status 127): "],
    ["empty output", "true", 5000, "api_key_command printed nothing"],
    ["blank output", "printf '  \\n\\n'", 5000, "api_key_command printed nothing"],
    [
      "not a key",
      "echo hunter2-is-my-password",
      5000,
      "api_key_command printed a value that is unusable as the API key: not an Anthropic API key (expected sk-ant-…)",
    ],
    [
      "two lines",
      `echo ${CMD_KEY}; echo ${CMD_KEY}`,
      5000,
      "api_key_command printed a value that is unusable as the API key: not a whole Anthropic API key (after sk-ant-: at least 8 letters, digits, - or _, nothing else)",
    ],
    [
      "an OAuth token",
      `echo sk-ant-oat01-test${"t".repeat(50)}`,
      5000,
      "api_key_command printed a value that is unusable as the API key: a Claude subscription login token (sk-ant-oat…), not an API key",
    ],
    ["killed by a signal", "kill -9 $$", 5000, "api_key_command failed (killed by SIGKILL)"],
    [
      "a timeout, while a grandchild holds the pipes open",
      `sleep 30; echo ${CMD_KEY}`,
      200,
      "api_key_command timed out after 0.2 s and was killed (no exit status)",
    ],
    ["endless output", "yes", 5000, "api_key_command printed more than 65536 bytes, which is not an API key"],
  ];

  it.each(FAILURES)(
    "%s is a usage error naming api_key_command",
    async (_name, command, timeoutMs, expected) => {
      const started = Date.now();
      const message = await usageErrorOf(runKeyCommand(command, BASE_ENV, timeoutMs));
      if (expected.endsWith(": ")) expect(message.startsWith(expected)).toBe(true);
      else expect(message).toBe(expected);
      expect(Date.now() - started).toBeLessThan(4000);
    },
  );

  it("never echoes the command's stdout, even on failure", async () => {
    const message = await usageErrorOf(runKeyCommand(`echo ${CMD_KEY}; exit 4`, BASE_ENV));
    expect(message).toBe("api_key_command failed (exit status 4)");
    const partial = await usageErrorOf(runKeyCommand(`echo ${CMD_KEY}-and-more junk`, BASE_ENV));
    expect(partial).not.toContain(CMD_KEY.slice(0, 20));
  });

  it("redacts a key that the command writes to stderr", async () => {
    const message = await usageErrorOf(runKeyCommand(`echo "bad key ${CMD_KEY}" >&2; exit 1`, BASE_ENV));
    expect(message).toBe("api_key_command failed (exit status 1): bad key sk-ant-…CMDK");
  });

  it("shortens a long stderr line", async () => {
    const message = await usageErrorOf(runKeyCommand(`printf '%0500d' 0 >&2; exit 1`, BASE_ENV));
    expect(message.length).toBeLessThan(250);
    expect(message.endsWith("…")).toBe(true);
  });

  describe("leaves nothing running", () => {
    let pidFile: string;

    beforeEach(() => {
      pidFile = join(dir, "pid");
    });

    afterEach(() => killLeftover(pidFile));

    function backgroundSleep(): number {
      const pid = recordedPid(pidFile);
      if (pid === null) throw new Error("the command recorded no pid");
      return pid;
    }

    it("a time-out kills what the command started, not only the shell", async () => {
      const message = await usageErrorOf(
        runKeyCommand(`/bin/sleep 1000 & echo $! > ${pidFile}; wait`, BASE_ENV, 2000),
      );
      expect(message).toBe("api_key_command timed out after 2 s and was killed (no exit status)");
      const pid = backgroundSleep();
      await eventually(() => !alive(pid), "the command's background sleep to be killed");
    });

    it("a background child that keeps stdout open does not hold up the key, and is killed", async () => {
      const pidFile = join(dir, "pid");
      // Without the group kill this waits for the sleep, past the 60 s limit and the test's time.
      const key = await runKeyCommand(
        `/bin/sleep 1000 & echo $! > ${pidFile}; echo ${CMD_KEY}`,
        BASE_ENV,
        60_000,
      );
      expect(key).toBe(CMD_KEY);
      const pid = backgroundSleep();
      await eventually(() => !alive(pid), "the command's background sleep to be killed");
    }, 30_000);
  });

  it("resolveApiKey passes command failures through", async () => {
    const message = await usageErrorOf(
      resolveApiKey({ api_key: FILE_KEY, api_key_command: "exit 9" }, BASE_ENV, { timeoutMs: 5000 }),
    );
    expect(message).toBe("api_key_command failed (exit status 9)");
  });
});

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import {
  registerSimulate,
  runSimulateCommand,
  type SimulateFlags,
  simulatorOptionsFrom,
} from "../cli/simulate.js";
import { UsageError } from "../errors.js";

const OAUTH_TOKEN = `sk-ant-oat01-${"s".repeat(40)}SUB1`;
const temporaryDirs: string[] = [];
const stops: AbortController[] = [];

afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("simulatorOptionsFrom", () => {
  it("maps every flag", () => {
    const { options, scripts } = simulatorOptionsFrom({
      port: "8123",
      limitAfter: "3",
      limitAfterTokens: "5000",
      limitClaim: "seven_day_opus",
      resetIn: "90",
      resetAt: "1767225600",
      warnAt: "85%",
      log: "/tmp/x.jsonl",
      model: "claude-opus-4-7",
      fault: ["overloaded:2", "drop=4@api"],
      apiKey: "sk-ant-api03-test",
      replyBytes: "1048576",
      replyDeltaBytes: "100",
      rejectForeignSignatures: true,
    });
    expect(options).toEqual({
      port: 8123,
      limitAfterRequests: 3,
      limitAfterTokens: 5000,
      limitClaim: "seven_day_opus",
      resetInSeconds: 90,
      resetAt: 1767225600,
      warnAtUtilization: 0.85,
      logFile: "/tmp/x.jsonl",
      responseModel: "claude-opus-4-7",
      requireApiKey: "sk-ant-api03-test",
      replyBytes: 1048576,
      replyDeltaBytes: 100,
      rejectForeignThinkingSignatures: true,
    });
    expect(scripts).toEqual([
      { fault: "overloaded" },
      { fault: "overloaded" },
      { fault: "drop", dropAfterEvents: 4, billing: "api" },
    ]);
  });

  it.each<[SimulateFlags, string]>([
    [{ port: "http" }, "--port must be an integer from 0 to 65535"],
    [{ port: "70000" }, "--port must be an integer from 0 to 65535"],
    [{ limitAfter: "-1" }, "--limit-after must be an integer"],
    [{ limitAfterTokens: "1e3" }, "--limit-after-tokens must be an integer"],
    [
      { limitClaim: "daily" },
      "--limit-claim must be one of five_hour, seven_day, seven_day_opus, seven_day_sonnet",
    ],
    [{ resetIn: "0" }, "--reset-in must be a number above 0"],
    [{ resetIn: "soon" }, "--reset-in must be a number above 0"],
    [{ warnAt: "120" }, "--warn-at must be a number above 0 and at most 100"],
    [{ replyBytes: "lots" }, "--reply-bytes must be an integer"],
    [{ fault: ["exploded"] }, '--fault "exploded" is not valid'],
  ])("rejects %j with a one-line usage error", (flags, message) => {
    expect(() => simulatorOptionsFrom(flags)).toThrow(UsageError);
    expect(() => simulatorOptionsFrom(flags)).toThrow(message);
  });
});

function capture() {
  const out = { stdout: "", stderr: "" };
  let firstLine: (line: string) => void = () => {};
  const urlLine = new Promise<string>((resolve) => {
    firstLine = resolve;
  });
  const io = {
    stdout: (text: string) => {
      out.stdout += text;
      if (out.stdout.includes("\n")) firstLine(out.stdout.split("\n")[0]!);
    },
    stderr: (text: string) => {
      out.stderr += text;
    },
  };
  return { out, io, urlLine };
}

describe("runSimulateCommand", () => {
  it("prints the base URL first, serves with the flags' faults and limit, and stops on abort", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simulate-cli-"));
    temporaryDirs.push(dir);
    const log = join(dir, "log.jsonl");
    const { out, io, urlLine } = capture();
    const stop = new AbortController();
    stops.push(stop);
    const running = runSimulateCommand({ limitAfter: "1", fault: ["overloaded"], log }, io, stop.signal);
    const url = await urlLine;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const send = () =>
      fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${OAUTH_TOKEN}` },
        body: JSON.stringify({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "hi" }] }),
      }).then((response) => response.status);
    expect([await send(), await send(), await send()]).toEqual([529, 200, 429]);
    stop.abort();
    await running;
    await expect(send()).rejects.toThrow();
    expect(out.stdout).toBe(`${url}\n`);
    const lines = out.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /POST \/v1\/messages subscription sk-ant-…SUB1 claude-sonnet-4-6 529 \[overloaded\]$/,
    );
    expect(lines[1]).toMatch(/ 200 in=\d+ out=\d+$/);
    expect(lines[2]).toMatch(/ 429 \[usage-limit\]$/);
    expect(readFileSync(log, "utf8").trimEnd().split("\n")).toHaveLength(3);
    expect(out.stderr + readFileSync(log, "utf8")).not.toContain(OAUTH_TOKEN);
  });

  it("stays quiet with --quiet and names a taken port as a usage error", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const { io } = capture();
    const stop = new AbortController();
    try {
      await expect(runSimulateCommand({ port: String(port), quiet: true }, io, stop.signal)).rejects.toThrow(
        new UsageError(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("names a log file it cannot open", async () => {
    const { io } = capture();
    const log = join(tmpdir(), "no-such-dir-for-simulator", "log.jsonl");
    await expect(runSimulateCommand({ log }, io, new AbortController().signal)).rejects.toThrow(
      `cannot open the --log file ${log} (ENOENT)`,
    );
  });
});

describe("registerSimulate", () => {
  it("adds `simulate` whose bad flags fail as usage errors", async () => {
    const program = new Command().exitOverride();
    const { out, io } = capture();
    registerSimulate(program, io);
    await expect(program.parseAsync(["simulate", "--reset-in", "never"], { from: "user" })).rejects.toThrow(
      UsageError,
    );
    expect(out.stdout).toBe("");
    expect(program.commands.map((command) => command.name())).toEqual(["simulate"]);
  });
});

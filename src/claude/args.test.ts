import { describe, expect, test } from "vitest";
import {
  type ClaudeArgs,
  isPrintMode,
  launchArgs,
  parseClaudeArgs,
  resumeArgs,
  type SessionChoice,
} from "./args.js";

const UUID = "123e4567-e89b-42d3-a456-426614174000";
const OURS = "/run/cf/settings.json";
const NEW_ID = "00000000-0000-4000-8000-000000000001";

const launch = (args: string[]) =>
  launchArgs(parseClaudeArgs(args), { settingsPath: OURS, newSessionId: NEW_ID });
const resume = (args: string[], prompt: string | null = "Continue where you left off.") =>
  resumeArgs(parseClaudeArgs(args), { settingsPath: OURS, sessionId: UUID, prompt });

type Expect = Partial<Omit<ClaudeArgs, "items">>;

describe("parseClaudeArgs", () => {
  test.each<[string, string[], Expect]>([
    // Sessions
    [
      "no arguments: a new conversation",
      [],
      { session: { kind: "new" }, prompt: null, print: false, passThrough: false, userSettings: null },
    ],
    [
      "a prompt: a new conversation",
      ["fix the tests"],
      { session: { kind: "new" }, prompt: "fix the tests" },
    ],
    ["--resume ID", ["--resume", UUID], { session: { kind: "resume", id: UUID }, prompt: null }],
    ["-r ID", ["-r", UUID], { session: { kind: "resume", id: UUID } }],
    ["--resume=ID", [`--resume=${UUID}`], { session: { kind: "resume", id: UUID } }],
    ["-rID (joined short value)", [`-r${UUID}`], { session: { kind: "resume", id: UUID } }],
    ["--resume by name", ["--resume", "my-feature"], { session: { kind: "resume", id: "my-feature" } }],
    ["-r alone: the picker", ["-r"], { session: { kind: "resume-picker" } }],
    [
      "--resume then an option: the picker",
      ["--resume", "--model", "opus"],
      { session: { kind: "resume-picker" } },
    ],
    ["--resume= (empty): the picker", ["--resume="], { session: { kind: "resume-picker" } }],
    ["-c", ["-c"], { session: { kind: "continue" } }],
    ["--continue with a prompt", ["--continue", "go on"], { session: { kind: "continue" }, prompt: "go on" }],
    ["--session-id X", ["--session-id", UUID], { session: { kind: "id", id: UUID } }],
    ["--session-id=X", [`--session-id=${UUID}`], { session: { kind: "id", id: UUID } }],
    ["--session-id= (empty) is still the user's", ["--session-id="], { session: { kind: "id", id: "" } }],
    ["the last --resume wins", ["-r", "a", "--resume", "b"], { session: { kind: "resume", id: "b" } }],
    ["--resume before -c", ["-c", "-r", "a"], { session: { kind: "resume", id: "a" } }],
    [
      "--resume with --fork-session: id unknown",
      ["-r", UUID, "--fork-session"],
      { session: { kind: "resume-picker" } },
    ],
    ["-c with --fork-session: id unknown", ["-c", "--fork-session"], { session: { kind: "resume-picker" } }],
    [
      "a fork with --session-id: the new id is known",
      ["-r", "old", "--fork-session", "--session-id", UUID],
      { session: { kind: "id", id: UUID } },
    ],
    ["--fork-session alone: a new conversation", ["--fork-session"], { session: { kind: "new" } }],
    ["--from-pr: claude picks", ["--from-pr", "123"], { session: { kind: "resume-picker" } }],
    ["--teleport alone: claude picks", ["--teleport"], { session: { kind: "resume-picker" } }],
    // Print mode
    ["-p", ["-p", "hi"], { print: true, prompt: "hi", outputFormat: "text" }],
    ["--print", ["--print", "hi"], { print: true }],
    ["-pc bundle", ["-pc"], { print: true, session: { kind: "continue" } }],
    ["-cp bundle", ["-cp", "x"], { print: true, session: { kind: "continue" }, prompt: "x" }],
    ["-pr ID bundle", ["-pr", UUID], { print: true, session: { kind: "resume", id: UUID } }],
    ["-prID bundle", [`-pr${UUID}`], { print: true, session: { kind: "resume", id: UUID } }],
    ["-rp is -r with the value p", ["-rp"], { print: false, session: { kind: "resume", id: "p" } }],
    ["--print=1 is not print (claude rejects it)", ["--print=1", "x"], { print: false }],
    ["-p after the prompt", ["hello", "-p"], { print: true, prompt: "hello" }],
    ["-p after -- is the prompt", ["--", "-p"], { print: false, prompt: "-p" }],
    ["-p as a value is not print", ["--append-system-prompt", "-p", "x"], { print: false, prompt: "x" }],
    [
      "--output-format stream-json",
      ["-p", "--output-format", "stream-json", "x"],
      { outputFormat: "stream-json", prompt: "x" },
    ],
    ["--output-format=json", ["-p", "--output-format=json"], { outputFormat: "json" }],
    [
      "the last --output-format wins",
      ["--output-format", "json", "--output-format", "text"],
      { outputFormat: "text" },
    ],
    // Settings
    ["--settings FILE", ["--settings", "/home/u/s.json"], { userSettings: "/home/u/s.json" }],
    ["--settings=JSON", ['--settings={"model":"x"}'], { userSettings: '{"model":"x"}' }],
    [
      "--settings value starting with -",
      ["--settings", "-weird", "x"],
      { userSettings: "-weird", prompt: "x" },
    ],
    // Prompt placement
    ["prompt before options", ["do it", "--model", "opus"], { prompt: "do it" }],
    ["prompt after options", ["--model", "opus", "do it"], { prompt: "do it" }],
    ["prompt after --", ["--model", "opus", "--", "--not-an-option"], { prompt: "--not-an-option" }],
    ["a variadic option swallows what follows", ["--add-dir", "a", "b"], { prompt: null }],
    ["-- ends a variadic option", ["--add-dir", "a", "--", "b"], { prompt: "b" }],
    ["an option ends a variadic option", ["--add-dir", "a", "-p", "b"], { prompt: "b", print: true }],
    ["--add-dir=a does not swallow", ["--add-dir=a", "b"], { prompt: "b" }],
    ["a variadic takes its first value even if it starts with -", ["--tools", "-x", "y"], { prompt: null }],
    ["a variadic takes -", ["--tools", "a", "-", "y"], { prompt: null }],
    ["an optional value is not taken from an option", ["-d", "--verbose", "hi"], { prompt: "hi" }],
    ["an optional value is taken from a word", ["-d", "hooks", "hi"], { prompt: "hi" }],
    ["-- is not an optional value", ["-r", "--", "hi"], { prompt: "hi", session: { kind: "resume-picker" } }],
    ["a required value is taken even if it is --", ["--model", "--", "hi"], { prompt: "hi" }],
    ["--model=opus", ["--model=opus", "x"], { prompt: "x" }],
    ["a value starting with - given with =", ["--append-system-prompt=--be-brief", "x"], { prompt: "x" }],
    ["- alone is a prompt", ["-"], { prompt: "-" }],
    ["-- alone", ["--"], { prompt: null, passThrough: false }],
    ["extra operands: the first is the prompt", ["a", "b"], { prompt: "a" }],
    ["-p- is -p --", ["-p-", "--model"], { print: true, prompt: "--model" }],
    ["a hidden value option (--thinking) takes its value", ["--thinking", "enabled", "hi"], { prompt: "hi" }],
    ["a hidden variadic (--channels)", ["--channels", "plugin:a@b", "hi"], { prompt: null }],
    ["an unknown option is a flag", ["--no-such-thing", "hi"], { prompt: "hi" }],
    ["-n NAME (short, required)", ["-n", "job", "hi"], { prompt: "hi" }],
    ["-nNAME joined", ["-njob", "hi"], { prompt: "hi" }],
    ["-w alone, then a prompt word is its value", ["-w", "feature"], { prompt: null }],
    // Pass-through
    ["claude mcp list", ["mcp", "list"], { passThrough: true, prompt: "mcp" }],
    ["claude doctor", ["doctor"], { passThrough: true }],
    ["a subcommand after options", ["--model", "opus", "mcp", "list"], { passThrough: true }],
    ["claude -- doctor is a prompt", ["--", "doctor"], { passThrough: false, prompt: "doctor" }],
    ["claude -p doctor is a prompt", ["-p", "doctor"], { passThrough: false, prompt: "doctor" }],
    ["claude mcp -p is a prompt too", ["mcp", "list", "--print"], { passThrough: false, prompt: "mcp" }],
    ["claude help is a prompt", ["help"], { passThrough: false, prompt: "help" }],
    ["a subcommand name in second place is an operand", ["hi", "doctor"], { passThrough: false }],
    ["--help", ["--help"], { passThrough: true }],
    ["-h", ["-h"], { passThrough: true }],
    ["-ph", ["-ph"], { passThrough: true, print: true }],
    ["--version", ["--version"], { passThrough: true }],
    ["-v", ["-v"], { passThrough: true }],
    ["--version as a value is not version", ["--model", "--version"], { passThrough: false }],
    ["--bg", ["--bg", "x"], { passThrough: true }],
    ["--cloud", ["--cloud", "do it"], { passThrough: true }],
    ["--remote-control is a local session", ["--remote-control"], { passThrough: false }],
    ["an option missing its value: claude says so", ["hi", "--model"], { passThrough: true }],
    ["a variadic missing its value", ["--add-dir"], { passThrough: true }],
    // Persistence
    ["sessions are saved by default", ["-p", "x"], { resumable: true }],
    ["--no-session-persistence", ["-p", "--no-session-persistence", "x"], { resumable: false }],
  ])("%s", (_name, args, expected) => {
    const parsed = parseClaudeArgs(args);
    for (const [key, value] of Object.entries(expected)) {
      expect(parsed[key as keyof ClaudeArgs], key).toEqual(value);
    }
  });

  test("every token is kept, in order, in the items", () => {
    const args = ["-pc", "--add-dir", "a", "b", "--model=opus", "hi", "there", "--", "x"];
    const tokens = parseClaudeArgs(args).items.flatMap((item) => item.tokens);
    // Bundles come back unpacked; `--` is a separator, not an item.
    expect(tokens).toEqual(["-p", "-c", "--add-dir", "a", "b", "--model=opus", "hi", "there", "x"]);
  });

  test("the input array is not modified", () => {
    const args = ["-pc", "--add-dir", "a", "b"];
    parseClaudeArgs(args);
    expect(args).toEqual(["-pc", "--add-dir", "a", "b"]);
  });

  test("isPrintMode", () => {
    expect(isPrintMode(["-p", "x"])).toBe(true);
    expect(isPrintMode(["-pc"])).toBe(true);
    expect(isPrintMode(["x"])).toBe(false);
    expect(isPrintMode(["--", "-p"])).toBe(false);
  });
});

describe("launchArgs", () => {
  test.each<[string, string[], string[]]>([
    ["no arguments", [], ["--settings", OURS, "--session-id", NEW_ID]],
    ["a prompt goes after --", ["fix it"], ["--settings", OURS, "--session-id", NEW_ID, "--", "fix it"]],
    [
      "options keep their order, the prompt moves after --",
      ["hi", "--model", "opus", "--verbose"],
      ["--model", "opus", "--verbose", "--settings", OURS, "--session-id", NEW_ID, "--", "hi"],
    ],
    [
      "the user's --settings is replaced",
      ["--settings", "mine.json"],
      ["--settings", OURS, "--session-id", NEW_ID],
    ],
    [
      "every --settings form is replaced",
      ["--settings=a.json", "--settings", "b.json", "-p"],
      ["-p", "--settings", OURS, "--session-id", NEW_ID],
    ],
    ["--resume ID keeps the user's session", ["--resume", UUID], ["--resume", UUID, "--settings", OURS]],
    ["-c keeps the user's session", ["-c", "go"], ["-c", "--settings", OURS, "--", "go"]],
    ["the user's --session-id is kept", ["--session-id", UUID], ["--session-id", UUID, "--settings", OURS]],
    ["-r alone (picker)", ["-r"], ["-r", "--settings", OURS]],
    [
      "a variadic option keeps what it swallowed; ours end it",
      ["--add-dir", "a", "b"],
      ["--add-dir", "a", "b", "--settings", OURS, "--session-id", NEW_ID],
    ],
    [
      "a prompt after -- stays after --",
      ["--add-dir", "a", "--", "b"],
      ["--add-dir", "a", "--settings", OURS, "--session-id", NEW_ID, "--", "b"],
    ],
    ["bundles are unpacked", ["-pc", "x"], ["-p", "-c", "--settings", OURS, "--", "x"]],
    [
      "a prompt that looks like an option",
      ["--", "--help"],
      ["--settings", OURS, "--session-id", NEW_ID, "--", "--help"],
    ],
    ["- alone stays a prompt", ["-"], ["--settings", OURS, "--session-id", NEW_ID, "--", "-"]],
    [
      "extra operands follow the prompt",
      ["a", "--model", "opus", "b"],
      ["--model", "opus", "--settings", OURS, "--session-id", NEW_ID, "--", "a", "b"],
    ],
    ["--from-pr: no session id of ours", ["--from-pr", "12"], ["--from-pr", "12", "--settings", OURS]],
  ])("%s", (_name, args, expected) => {
    expect(launch(args)).toEqual(expected);
  });

  test.each([
    [["--", "fix it"]],
    [["--add-dir", "a", "b", "-p", "--output-format", "json", "q"]],
    [["-pc", "--settings", "x", "--model=opus", "hi"]],
    [["-r", UUID, "--fork-session", "--", "-weird"]],
  ])("re-parsing the launch args finds the same prompt and session: %j", (args) => {
    const before = parseClaudeArgs(args);
    const after = parseClaudeArgs(launch(args));
    expect(after.prompt).toBe(before.prompt);
    expect(after.print).toBe(before.print);
    expect(after.outputFormat).toBe(before.outputFormat);
    expect(after.userSettings).toBe(OURS);
    const expectedSession: SessionChoice =
      before.session.kind === "new" ? { kind: "id", id: NEW_ID } : before.session;
    expect(after.session).toEqual(expectedSession);
  });
});

describe("resumeArgs", () => {
  const tail = ["--settings", OURS, "--resume", UUID];
  test.each<[string, string[], string | null, string[]]>([
    ["no arguments", [], "Continue.", [...tail, "--", "Continue."]],
    ["an empty resume prompt: none", [], "", tail],
    ["a null resume prompt: none", ["hi"], null, tail],
    ["the original prompt is dropped", ["write a poem"], "Continue.", [...tail, "--", "Continue."]],
    ["operands are dropped too", ["a", "b"], null, tail],
    ["--session-id is dropped", ["--session-id", "x", "hi"], null, tail],
    ["--resume ID is dropped", ["--resume", "old"], null, tail],
    ["--resume=ID is dropped", ["--resume=old"], null, tail],
    ["-r alone is dropped", ["-r"], null, tail],
    ["-c is dropped", ["-c"], null, tail],
    ["--continue is dropped", ["--continue"], null, tail],
    ["--fork-session is dropped", ["-c", "--fork-session"], null, tail],
    ["--from-pr is dropped with its value", ["--from-pr", "12"], null, tail],
    ["--resume-session-at is dropped", ["-r", "x", "--resume-session-at", "m1"], null, tail],
    ["the user's --settings is dropped", ["--settings", "mine.json"], null, tail],
    ["print mode is kept", ["-p", "q"], "Go on.", ["-p", ...tail, "--", "Go on."]],
    ["a -pc bundle keeps -p only", ["-pc", "q"], null, ["-p", ...tail]],
    [
      "output format and model are kept",
      ["-p", "--output-format", "stream-json", "--model=opus", "q"],
      null,
      ["-p", "--output-format", "stream-json", "--model=opus", ...tail],
    ],
    [
      "a variadic option keeps its values",
      ["--add-dir", "a", "b", "-c"],
      "Go.",
      ["--add-dir", "a", "b", ...tail, "--", "Go."],
    ],
    ["a resume prompt that looks like an option", [], "--help", [...tail, "--", "--help"]],
  ])("%s", (_name, args, prompt, expected) => {
    expect(resume(args, prompt)).toEqual(expected);
  });

  test("without our settings (a command shown to the user) the user's own --settings stay", () => {
    const parsed = parseClaudeArgs(["-p", "--settings", "mine.json", "--output-format", "json", "q"]);
    expect(resumeArgs(parsed, { settingsPath: null, sessionId: UUID, prompt: "Go on." })).toEqual([
      "-p",
      "--settings",
      "mine.json",
      "--output-format",
      "json",
      "--resume",
      UUID,
      "--",
      "Go on.",
    ]);
  });

  test("re-parsing the resume args finds the session, print mode and the resume prompt", () => {
    const args = ["-p", "--add-dir", "a", "b", "--output-format", "json", "--session-id", "x", "original"];
    const again = parseClaudeArgs(resume(args, "Continue where you left off."));
    expect(again.session).toEqual({ kind: "resume", id: UUID });
    expect(again.print).toBe(true);
    expect(again.outputFormat).toBe("json");
    expect(again.prompt).toBe("Continue where you left off.");
    expect(again.userSettings).toBe(OURS);
    expect(again.items.filter((item) => item.name === "--add-dir")[0]?.values).toEqual(["a", "b"]);
  });
});

describe("resumeArgs with another model (a per-model limit's free way on)", () => {
  test("replaces the user's --model, keeps their other options; without one, their --model stays", () => {
    const parsed = parseClaudeArgs(["--model", "opus", "--verbose", "-p", "x"]);
    expect(
      resumeArgs(parsed, { settingsPath: "/s", sessionId: "id", prompt: "go", model: "sonnet" }),
    ).toEqual(["--verbose", "-p", "--model", "sonnet", "--settings", "/s", "--resume", "id", "--", "go"]);
    expect(resumeArgs(parsed, { settingsPath: "/s", sessionId: "id", prompt: null, model: null })).toEqual([
      "--model",
      "opus",
      "--verbose",
      "-p",
      "--settings",
      "/s",
      "--resume",
      "id",
    ]);
  });
});

import { describe, expect, test } from "vitest";
import { commandOf, globalValues, startKind, VALUE_OPTIONS, wordsAfterCommand } from "./command-word.js";
import { newProgram } from "./fast-path.js";

describe("commandOf", () => {
  test.each([
    [["statusline"], "statusline"],
    [["--config", "statusline", "status"], "status"],
    [["--claude", "/x", "usage"], "usage"],
    [["--claude=/x", "statusline", "--help"], "statusline"],
    [["--", "statusline"], null],
    [["--force-api", "--", "-p", "hi"], null],
    [[], null],
  ])("commandOf(%j) = %j", (argv, expected) => {
    expect(commandOf(argv)).toBe(expected);
  });
});

describe("startKind", () => {
  test.each([
    [["--version"], "version"],
    [["-V"], "version"],
    [["--version", "status"], "program"],
    [["status", "--version"], "program"],
    [["-v"], "version"],
    [["-v", "--", "-p", "hi"], "program"],
    [["statusline"], "statusline"],
    [["status"], "status"],
    [["status", "--json"], "status"],
    [["--config", "/c.json", "status", "--json"], "status"],
    [["--config=/c.json", "--claude", "/x", "status"], "status"],
    [["status", "--help"], "program"],
    [["status", "--jsn"], "program"],
    [["status", "--json", "--json"], "program"],
    [["status", "extra"], "program"],
    [["--status"], "program"],
    [["--help", "status"], "program"],
    [["-v", "status"], "program"],
    [["--config", "status"], "program"],
    [["--", "status"], "program"],
    [["--config", "/c.json", "statusline", "--help"], "statusline"],
    [["--config", "statusline"], "program"],
    [["--config=/c.json", "--claude", "/x", "statusline"], "statusline"],
    [["-v", "statusline"], "program"],
    [["--help", "statusline"], "program"],
    [["-h", "statusline"], "program"],
    [["--force-api", "statusline"], "program"],
    [["--", "statusline"], "program"],
    [["--force-api", "--", "-p", "hi"], "program"],
    [[], "program"],
  ] as const)("startKind(%j) = %s", (argv, expected) => {
    expect(startKind(argv)).toBe(expected);
  });

  test("the global options that take a value are the program's", () => {
    const valued = newProgram()
      .options.filter((option) => option.required)
      .map((option) => option.long);
    expect([...VALUE_OPTIONS].sort()).toEqual(valued.sort());
  });
});

describe("globalValues: the global options before the command, as commander takes them", () => {
  test.each([
    [["status"]],
    [["--config", "/c.json", "status", "--json"]],
    [["--config=/c.json", "status"]],
    [["--config", "/a.json", "--config=/b.json", "--claude", "/x", "status"]],
    [["--claude=/x=y", "--config", "status", "status"]],
    [["--config", "--json", "status"]],
    [["--config=", "status"]],
  ])("%j", async (argv) => {
    const program = newProgram();
    let words: string[] = [];
    program
      .command("status")
      .option("--json")
      .action((_options, command) => {
        words = command.args;
      });
    await program.parseAsync([...argv], { from: "user" });
    expect(globalValues(argv)).toEqual(program.opts());
    if (commandOf(argv) === "status")
      expect(wordsAfterCommand(argv).filter((w) => w !== "--json")).toEqual(words);
  });
});

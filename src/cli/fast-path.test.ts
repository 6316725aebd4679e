import { afterEach, expect, test, vi } from "vitest";
import { buildFastProgram, fastMain } from "./fast-path.js";
import { buildProgram } from "./program.js";
import { registerStatus } from "./status.js";
import { registerStatusline } from "./statusline.js";

test.each([
  ["statusline", registerStatusline],
  ["status", registerStatus],
])(
  "the light program for %s has the full program's global options and that command",
  async (name, register) => {
    const describe = (options: readonly { flags: string; description: string }[]) =>
      options.map((option) => [option.flags, option.description]);
    const full = await buildProgram();
    const fast = buildFastProgram(register);
    expect(describe(fast.options)).toEqual(describe(full.options));
    expect(fast.name()).toBe(full.name());
    expect(fast.commands.map((command) => command.name())).toEqual([name]);
    const command = (program: typeof full) => program.commands.find((c) => c.name() === name);
    expect(command(fast)?.helpInformation()).toBe(command(full)?.helpInformation());
  },
);

afterEach(() => {
  vi.restoreAllMocks();
});

test("a usage error of the light program is our one line too, exit 2", async () => {
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  expect(await fastMain(["statusline", "--bogus"], registerStatusline)).toBe(2);
  expect(stderr.join("")).toBe(
    "claude-fallback: unknown option '--bogus'; see `claude-fallback statusline --help`\n",
  );
  expect(stdout).not.toHaveBeenCalled();
});

test("--help of the light program still exits 0", async () => {
  const stdout: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  expect(await fastMain(["statusline", "--help"], registerStatusline)).toBe(0);
  expect(stdout.join("")).toContain("Usage: claude-fallback statusline");
});

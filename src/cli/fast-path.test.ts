import { afterEach, expect, test, vi } from "vitest";
import { fastMain } from "./fast-path.js";

afterEach(() => {
  vi.restoreAllMocks();
});

test("a usage error of the light program is our one line too, exit 2", async () => {
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  expect(await fastMain(["statusline", "--bogus"])).toBe(2);
  expect(stderr.join("")).toBe(
    "claude-fallback: unknown option '--bogus'; see `claude-fallback statusline --help`\n",
  );
  expect(stdout).not.toHaveBeenCalled();
});

test("--help of the light program still exits 0", async () => {
  const stdout: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  expect(await fastMain(["statusline", "--help"])).toBe(0);
  expect(stdout.join("")).toContain("Usage: claude-fallback statusline");
});

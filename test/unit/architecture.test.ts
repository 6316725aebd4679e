import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

/**
 * The boundaries of DESIGN.md, held by a test: arrows point down, never up.
 * `cli` may import anything; nothing imports `cli`; pure modules import nothing with I/O.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  // Type-only imports vanish at compile time: they carry no I/O and no dependency at run time.
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/g)) {
    specifiers.push(match[1]!);
  }
  for (const match of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

/** Resolves a relative specifier to a path under src/ ("config/schema"), or keeps a package name. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return relative(src, resolve(dirname(file), specifier)).replace(/\.js$/, "");
}

const files = sourceFiles(src).map((path) => ({
  path,
  module: relative(src, path).replace(/\.ts$/, ""),
  imports: importsOf(path).map((specifier) => target(path, specifier)),
}));

/** Modules that must stay pure: no file system, network, processes or clocks of their own. */
const pureModules = [
  /^detect\//,
  /^usage\/pricing$/,
  /^usage\/prices$/,
  /^session\/machine$/,
  /^session\/policy$/,
  /^dates$/,
  /^shell$/,
  /^money$/,
  /^claude\/compat$/,
];
const isPure = (module: string) => pureModules.some((pattern) => pattern.test(module));
const ioBuiltins = /^node:(fs|fs\/promises|net|http|https|child_process|dgram|tls|worker_threads)$/;
const pureMayImport = (dep: string) =>
  isPure(dep) ||
  dep === "errors" ||
  /^(zod|luxon)$/.test(dep) ||
  (dep.startsWith("node:") && !ioBuiltins.test(dep));

describe("architecture", () => {
  test("finds the source tree", () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((file) => file.module === "cli/program")).toBe(true);
  });

  test("nothing outside the command line imports the command line", () => {
    const offenders = files
      .filter((file) => !file.module.startsWith("cli/") && !file.module.startsWith("bin/"))
      .flatMap((file) =>
        file.imports.filter((dep) => dep.startsWith("cli/")).map((dep) => `${file.module} -> ${dep}`),
      );
    expect(offenders).toEqual([]);
  });

  test("the simulator is a test tool: only the command line and benchmarks use it", () => {
    const offenders = files
      .filter((file) => !file.module.startsWith("simulator/") && !file.module.startsWith("cli/"))
      .flatMap((file) =>
        file.imports.filter((dep) => dep.startsWith("simulator/")).map((dep) => `${file.module} -> ${dep}`),
      );
    expect(offenders).toEqual([]);
  });

  test("pure modules import nothing that does I/O", () => {
    const offenders = files
      .filter((file) => isPure(file.module))
      .flatMap((file) =>
        file.imports.filter((dep) => !pureMayImport(dep)).map((dep) => `${file.module} -> ${dep}`),
      );
    expect(offenders).toEqual([]);
  });
});

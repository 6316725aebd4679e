import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

/**
 * The folder order of docs/ARCHITECTURE.md, held by a test: a module imports only modules of its
 * own folder or of folders ranked below it — type imports included, since a type import still ties
 * a folder to the one it names. Pure modules import nothing that does I/O.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");

/**
 * Lowest first. The files at the top of `src/` (errors, money, dates, shell) are the base: plain
 * values and words every folder may use. Each line may import the lines above it, never below.
 */
const FOLDER_ORDER = [
  "(base)",
  "platform",
  "detect",
  "pricing",
  "state",
  "config",
  "claude",
  "hooks",
  "usage",
  "forecast",
  "notify",
  "statusline",
  "terminal",
  "gateway",
  "session",
  "shells",
  "monitor",
  "simulator",
  "demo",
  "cli",
  "bin",
] as const;

interface SourceFile {
  module: string;
  imports: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every module a file names: static imports and re-exports (type-only ones too) and dynamic imports. */
function importSpecifiers(text: string): string[] {
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) {
    specifiers.push(match[1]!);
  }
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+"([^"]+)"/g)) specifiers.push(match[1]!);
  for (const match of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

/** Type-only imports vanish at compile time: they carry no I/O at run time (but they do rank). */
function runtimeSpecifiers(text: string): string[] {
  return importSpecifiers(withoutTypeImports(text));
}

function withoutTypeImports(text: string): string {
  return text.replace(/(?:^|\n)\s*(?:import|export)\s+type\s[^;]*?from\s+"[^"]+";?/g, "\n");
}

/** What loading the module loads: its runtime imports but the dynamic ones (those load when called). */
function loadedSpecifiers(text: string): string[] {
  return importSpecifiers(withoutTypeImports(text).replace(/import\(\s*"[^"]+"\s*\)/g, ""));
}

/** Resolves a relative specifier to a module path under src/ ("config/schema"), or keeps a package name. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return relative(src, resolve(dirname(file), specifier)).replace(/\.js$/, "");
}

function folderOf(module: string): string {
  return module.includes("/") ? module.slice(0, module.indexOf("/")) : "(base)";
}

function rankOf(module: string): number {
  return (FOLDER_ORDER as readonly string[]).indexOf(folderOf(module));
}

/** `a -> b` for every import of a module ranked above the importer's folder. */
function upwardImports(files: readonly SourceFile[]): string[] {
  return files.flatMap((file) =>
    file.imports
      .filter((dep) => dep.includes("/"))
      .filter((dep) => folderOf(dep) !== folderOf(file.module) && rankOf(dep) > rankOf(file.module))
      .map((dep) => `${file.module} -> ${dep}`),
  );
}

const paths = sourceFiles(src);
const files = paths.map((path) => {
  const text = readFileSync(path, "utf8");
  const module = relative(src, path).replace(/\.ts$/, "");
  return {
    module,
    imports: importSpecifiers(text)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => target(path, specifier)),
    runtimeImports: runtimeSpecifiers(text).map((specifier) => target(path, specifier)),
    loadedImports: loadedSpecifiers(text).map((specifier) => target(path, specifier)),
  };
});

/** Modules that must stay pure: no file system, network, processes or clocks of their own. */
const pureModules = [
  /^detect\//,
  /^pricing\//,
  /^forecast\/(?!codebase-files$|gather$|worker$|background$|report$)/,
  /^session\/(machine|machine-types|model-limit|policy|wording|menu)$/,
  /^notify\/(messages|run-events)$/,
  /^statusline\/segment$/,
  /^usage\/(caps|ledger-records)$/,
  /^gateway\/accounting$/,
  /^config\/schema$/,
  /^platform\/(loopback|run-secret)$/,
  /^claude\/compat$/,
  /^usage\/periods$/,
  /^(dates|shell|money|errors|billing)$/,
];
const isPure = (module: string) => pureModules.some((pattern) => pattern.test(module));
const ioBuiltins = /^node:(fs|fs\/promises|net|http|https|child_process|dgram|tls|worker_threads)$/;
const pureMayImport = (dep: string) =>
  isPure(dep) || /^(zod\/mini|luxon)$/.test(dep) || (dep.startsWith("node:") && !ioBuiltins.test(dep));

const CRYPTO = ["node:crypto", "crypto"];

/** Every module that loading `roots` loads (dynamic imports aside), each with a module that imports it. */
function loadedFrom(roots: readonly string[]): Map<string, string> {
  const byModule = new Map(files.map((file) => [file.module, file]));
  const reached = new Map<string, string>();
  const queue = [...roots];
  for (const from of queue) {
    for (const dep of byModule.get(from)?.loadedImports ?? []) {
      if (reached.has(dep)) continue;
      reached.set(dep, from);
      if (byModule.has(dep)) queue.push(dep);
    }
  }
  return reached;
}

describe("architecture", () => {
  test("finds the source tree", () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((file) => file.module === "cli/program")).toBe(true);
  });

  test("every folder of src/ has its place in the order", () => {
    const folders = new Set(files.map((file) => folderOf(file.module)));
    const unranked = [...folders].filter((folder) => rankOf(`${folder}/x`) === -1 && folder !== "(base)");
    expect(unranked).toEqual([]);
  });

  test("no module imports a folder ranked above its own (type imports included)", () => {
    expect(upwardImports(files)).toEqual([]);
  });

  test("the check catches a planted upward import, a type import and a dynamic one", () => {
    const planted: SourceFile[] = [
      { module: "notify/notifier", imports: ["session/wording"] },
      {
        module: "platform/atomic-file",
        imports: importSpecifiers('import type { Config } from "../config/schema.js";').map((specifier) =>
          target(join(src, "platform/atomic-file.ts"), specifier),
        ),
      },
      {
        module: "detect/classify",
        imports: importSpecifiers('const m = await import("../gateway/server.js");').map((specifier) =>
          target(join(src, "detect/classify.ts"), specifier),
        ),
      },
      { module: "cli/run", imports: ["session/run-core"] },
      { module: "money", imports: ["usage/ledger"] },
    ];
    expect(upwardImports(planted)).toEqual([
      "notify/notifier -> session/wording",
      "platform/atomic-file -> config/schema",
      "detect/classify -> gateway/server",
      "money -> usage/ledger",
    ]);
  });

  test("pure modules import nothing that does I/O", () => {
    const offenders = files
      .filter((file) => isPure(file.module))
      .flatMap((file) =>
        file.runtimeImports.filter((dep) => !pureMayImport(dep)).map((dep) => `${file.module} -> ${dep}`),
      );
    expect(offenders).toEqual([]);
  });

  test("the simulator is a test tool: only the command line, the demo and benchmarks use it", () => {
    const offenders = files
      .filter((file) => !["simulator", "cli", "demo"].includes(folderOf(file.module)))
      .flatMap((file) =>
        file.imports.filter((dep) => dep.startsWith("simulator/")).map((dep) => `${file.module} -> ${dep}`),
      );
    expect(offenders).toEqual([]);
  });

  test("the light program (`statusline`, run many times a minute) and the bin load nothing heavy", () => {
    // What each costs a start here (BENCHMARKS.md, Start-up): zod's schemas and luxon's first
    // use ~20 ms each, SQLite's native module ~7 ms, node:crypto ~5 ms.
    // A dynamic import (the config's check, when the file changed) loads when it runs.
    const heavy = ["zod", "zod/mini", "luxon", "better-sqlite3", "undici", "@lydell/node-pty", ...CRYPTO];
    const reached = loadedFrom(["bin/claude-fallback", "bin/statusline"]);
    expect(heavy.filter((dep) => reached.has(dep)).map((dep) => `${reached.get(dep)} -> ${dep}`)).toEqual([]);
    expect(reached.has("cli/statusline")).toBe(true);
  });

  test("the product's schemas are zod/mini: classic zod is the simulator's alone", () => {
    // Classic zod gives every schema object dozens of methods of its own: building the config's
    // and the state file's schemas took ~17 ms of every start before Claude was spawned
    // (BENCHMARKS.md, Start-up), against ~2 ms with zod/mini, which is the same validator.
    const classic = files
      .filter((file) => folderOf(file.module) !== "simulator")
      .flatMap((file) =>
        file.runtimeImports.filter((dep) => dep === "zod").map((dep) => `${file.module} -> ${dep}`),
      );
    expect(classic).toEqual([]);
    expect(loadedFrom(["cli/run"]).has("zod/mini")).toBe(true);
  });

  test("commands that only read (status, usage) load no node:crypto: the config's checks do not", () => {
    const reached = loadedFrom(["cli/status", "cli/usage"]);
    expect(CRYPTO.filter((dep) => reached.has(dep)).map((dep) => `${reached.get(dep)} -> ${dep}`)).toEqual(
      [],
    );
    expect(reached.has("config/schema")).toBe(true);
  });

  test("no production file is over 450 lines", () => {
    const long = paths
      .map((path) => ({ module: relative(src, path), lines: readFileSync(path, "utf8").split("\n").length }))
      .filter((file) => file.lines > 451)
      .map((file) => `${file.module}: ${file.lines}`);
    expect(long).toEqual([]);
  });
});

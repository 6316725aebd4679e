import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { buildSync } from "esbuild";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { cacheFileOf } from "./code-cache.js";

let root: string;
let bundle: string;
let cacheDir: string;
let driver: string;

// Each start is a process of its own, as in use: within one process V8 finds code it compiled
// before in memory and never looks at the cached data, so whether it accepts it shows only in a
// new process. The driver is this module, compiled by esbuild, calling runBundle as the bin does.
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "code-cache-driver-"));
  buildSync({
    entryPoints: [fileURLToPath(new URL("./code-cache.ts", import.meta.url))],
    outfile: join(dir, "code-cache.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "error",
  });
  driver = join(dir, "driver.mjs");
  writeFileSync(
    driver,
    `import { runBundle } from "./code-cache.mjs";
const [bundle, identity, dir] = process.argv.slice(2);
process.stderr.write(runBundle(bundle, { dir: dir || null, identity }));
`,
  );
  return () => rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "code-cache-"));
  mkdirSync(join(root, "bin"));
  bundle = join(root, "bin", "program.js");
  // A bundle as esbuild writes one: CommonJS, with functions compiled only when called.
  writeFileSync(
    bundle,
    `"use strict";
function later(a) { return a.map((x) => x * 2).join(","); }
process.stdout.write(JSON.stringify({
  filename: __filename,
  dirname: __dirname,
  sameExports: module.exports === exports,
  joined: require("node:path").join("a", "b"),
  doubled: later([1, 2, 3]),
}));
`,
  );
  cacheDir = join(root, "cache");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A start of the bundle through runBundle in a process of its own: what it did with the cache, and what the bundle saw. */
function start(identity = "build-1", dir: string | null = cacheDir) {
  const child = spawnSync(process.execPath, [driver, bundle, identity, dir ?? ""], {
    encoding: "utf8",
    timeout: 20_000,
  });
  expect(child.status).toBe(0);
  return { use: child.stderr, ran: JSON.parse(child.stdout) as Record<string, unknown> };
}

describe("runBundle", () => {
  test("runs the bundle as require would: its own file, directory, module and require", () => {
    expect(start().ran).toEqual({
      filename: bundle,
      dirname: join(root, "bin"),
      sameExports: true,
      joined: join("a", "b"),
      doubled: "2,4,6",
    });
  });

  test("the first start writes V8's code at exit; the next one uses it, and V8 accepts it", () => {
    expect(start().use).toBe("written-at-exit");
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    expect(readdirSync(cacheDir)).toEqual([file.slice(cacheDir.length + 1)]);
    const contents = readFileSync(file);
    const end = contents.indexOf(10);
    const data = contents.subarray(end + 1);
    const crc = zlib.crc32(data).toString(16).padStart(8, "0");
    expect(contents.toString("latin1", 0, end)).toBe(
      `build-1 ${process.version} ${process.arch} ${data.length} ${crc}`,
    );
    const second = start();
    expect(second.use).toBe("used");
    expect(second.ran.doubled).toBe("2,4,6");
  });

  test("the cache dir is made private and the file is the user's alone", () => {
    start();
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(cacheDir)).toBe(0o700);
    expect(mode(cacheFileOf(cacheDir, bundle, "build-1"))).toBe(0o600);
  });

  test("code of another build is never used: a new build writes its own file", () => {
    start("build-1");
    expect(start("build-2").use).toBe("written-at-exit");
    expect(start("build-2").use).toBe("used");
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  test("a file whose first line names another build, even under this build's name, is not used", () => {
    start("build-1");
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    const data = readFileSync(file);
    writeFileSync(file, Buffer.concat([Buffer.from("build-0 v0 x\n"), data.subarray(data.indexOf(10) + 1)]), {
      mode: 0o600,
    });
    expect(start("build-1").use).toBe("written-at-exit");
    expect(start("build-1").use).toBe("used");
  });

  test("a damaged file is not used; the bundle runs compiled afresh and the file is written again", () => {
    start();
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    writeFileSync(file, `build-1 ${process.version} ${process.arch}\n${"garbage".repeat(100)}`, {
      mode: 0o600,
    });
    const refused = start();
    expect(refused.use).toBe("written-at-exit");
    expect(refused.ran.doubled).toBe("2,4,6");
    expect(start().use).toBe("used");
  });

  test("one bit flipped in the data is noticed: the checksum in the first line is checked", () => {
    start();
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    const contents = readFileSync(file);
    const at = contents.indexOf(10) + 1 + Math.floor((contents.length - contents.indexOf(10)) / 2);
    contents[at] = contents[at]! ^ 0x10;
    writeFileSync(file, contents, { mode: 0o600 });
    expect(start()).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(start().use).toBe("used");
  });

  test("a file cut short, or one written with the SHA-256 first line of earlier builds, is made anew", () => {
    start();
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    const contents = readFileSync(file);
    const end = contents.indexOf(10);
    writeFileSync(file, contents.subarray(0, end + 1 + Math.floor((contents.length - end) / 2)), {
      mode: 0o600,
    });
    expect(start()).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(start().use).toBe("used");
    const data = readFileSync(file).subarray(readFileSync(file).indexOf(10) + 1);
    const sha256 = "0".repeat(64);
    writeFileSync(
      file,
      Buffer.concat([Buffer.from(`build-1 ${process.version} ${process.arch} ${sha256}\n`), data]),
      {
        mode: 0o600,
      },
    );
    expect(start()).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(start().use).toBe("used");
  });

  test("data damaged in a way V8 does not notice is not used: the checksum in the first line is checked", () => {
    start();
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    const header = readFileSync(file).subarray(0, readFileSync(file).indexOf(10) + 1);
    // V8 checks only the source's length: code made for another text of the same length, it takes.
    const text = readFileSync(bundle, "utf8");
    writeFileSync(bundle, text.replace("x * 2", "x * 3"));
    start("build-other");
    const otherData = readFileSync(cacheFileOf(cacheDir, bundle, "build-other"));
    writeFileSync(bundle, text);
    writeFileSync(file, Buffer.concat([header, otherData.subarray(otherData.indexOf(10) + 1)]), {
      mode: 0o600,
    });
    const damaged = start();
    expect(damaged).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(start().use).toBe("used");
  });

  test("a FIFO in the cache file's place is not waited on", () => {
    mkdirSync(cacheDir, { mode: 0o700 });
    execFileSync("mkfifo", ["-m", "600", cacheFileOf(cacheDir, bundle, "build-1")]);
    expect(start()).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(start().use).toBe("used");
  });

  test("nothing is written into a cache directory others may write: a link planted there could aim the write", () => {
    mkdirSync(cacheDir);
    chmodSync(cacheDir, 0o777);
    expect(start()).toMatchObject({ use: "written-at-exit", ran: { doubled: "2,4,6" } });
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test.each([
    ["a cache file others may write", (file: string) => chmodSync(file, 0o666)],
    ["a cache directory others may write", () => chmodSync(cacheDir, 0o777)],
  ])("%s is not trusted", (_what, loosen) => {
    start();
    loosen(cacheFileOf(cacheDir, bundle, "build-1"));
    expect(start().use).toBe("written-at-exit");
  });

  test("no cache directory: nothing is read or written", () => {
    const uncached = start("build-1", null);
    expect(uncached.use).toBe("none");
    expect(uncached.ran.doubled).toBe("2,4,6");
    expect(existsSync(cacheDir)).toBe(false);
  });

  test("a cache that cannot be written (a file in the directory's place) leaves the start as it was", () => {
    writeFileSync(cacheDir, "not a directory");
    const start1 = start();
    expect(start1.use).toBe("written-at-exit");
    expect(start1.ran.doubled).toBe("2,4,6");
    expect(readFileSync(cacheDir, "utf8")).toBe("not a directory");
  });

  test("at most four builds' files of a bundle are kept, the oldest removed; other bundles' are not touched", () => {
    mkdirSync(cacheDir, { mode: 0o700 });
    const old = ["a", "b", "c", "d"].map((build, i) => {
      const file = cacheFileOf(cacheDir, bundle, `build-${build}`);
      writeFileSync(file, "x", { mode: 0o600 });
      utimesSync(file, 1_000 + i, 1_000 + i);
      return file;
    });
    const other = join(cacheDir, `statusline.js.0000.${process.version}-${process.arch}.v8`);
    writeFileSync(other, "x", { mode: 0o600 });
    utimesSync(other, 1, 1);
    start("build-new");
    const left = readdirSync(cacheDir).map((name) => join(cacheDir, name));
    expect(left.sort()).toEqual(
      [cacheFileOf(cacheDir, bundle, "build-new"), old[1]!, old[2]!, old[3]!, other].sort(),
    );
  });

  test("a start that changes V8's flags (as loading undici does) leaves code the next start uses", () => {
    // The bundle changes a flag the way platform/undici.ts does, then compiles more code.
    buildSync({
      stdin: {
        contents: `import { setFlagsFromString } from "node:v8";
import { changingV8Flags } from "./v8-flags.ts";
const early = (a) => a.map((x) => x + 1).join(",");
early([1]);
changingV8Flags();
setFlagsFromString("--wasm-tiering-budget=1000000000");
const late = (a) => a.map((x) => x * 2).join(",");
process.stdout.write(JSON.stringify({ doubled: late([1, 2, 3]) }));
`,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "js",
      },
      outfile: bundle,
      bundle: true,
      format: "cjs",
      platform: "node",
      logLevel: "error",
    });
    const file = cacheFileOf(cacheDir, bundle, "build-1");
    expect(start().use).toBe("written-at-exit");
    const written = statSync(file).mtimeMs;
    for (let i = 0; i < 2; i++) {
      const next = start();
      expect(next).toEqual({ use: "used", ran: { doubled: "2,4,6" } });
    }
    expect(statSync(file).mtimeMs).toBe(written);
  });
});

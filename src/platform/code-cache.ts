/**
 * Runs one of our CommonJS bundles (dist/bin) with V8's compiled code of it kept between starts.
 * Compiling what a start of the full program runs costs it ~50–90 ms on 2 cores; reading the code
 * V8 made of it last time ~17 ms (BENCHMARKS.md, Start-up). Node 22.1+ has a compile cache of its
 * own (`module.enableCompileCache`), but not Node 20, and it does not cover code run through `vm`;
 * this is the one mechanism on every Node we support.
 *
 * The cached code is trusted only from a regular file of ours in a directory of ours no one else
 * can write (it is code we would run), and only for the bundle it was made of: the file's first
 * line names the bundle's identity (a hash of its text, given at build time), Node's version and
 * architecture, and a checksum of the data that follows. V8 refuses data of another V8 or other
 * flags on its own, but it does not check the data's integrity: damaged data it accepts can crash
 * the process, so the checksum is ours to check. It is zlib's CRC-32 of the data and its length —
 * it catches damage (every burst of up to 32 bits, other damage but for one chance in 2³²); what
 * keeps others from changing the file is the directory's ownership, not the checksum. (SHA-256
 * from node:crypto cost a start ~5–10 ms, most of it loading crypto; CRC-32 takes ~1 ms.)
 * Node older than 20.15 has no `zlib.crc32`: it gets no cache. Nothing is written into a
 * directory we would not read from. Any failure to read or write the cache runs the bundle
 * compiled afresh: the cache can make a start faster, never break one.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { beforeV8FlagsChange } from "./v8-flags.js";

export interface BundleCache {
  /** Where the compiled code is kept (created 0700); null keeps none. */
  dir: string | null;
  /** What the bundle is: its text's hash from the build. Data made for another identity is not used. */
  identity: string;
}

/** What {@link runBundle} did with the cache, for tests and the benchmark. */
export type CacheUse = "used" | "written-at-exit" | "none";

/**
 * How many cache files of one bundle are kept: one per build and Node, so that two installs (a
 * global one and a project's) or two Node versions do not take turns overwriting one file, while
 * upgrades do not pile up.
 */
const FILES_KEPT = 4;

/** Who a cache file is for: `program.js` of build 3f2a…, on Node v20.20.2, x64. */
function cacheKey(identity: string): string {
  return `${identity} ${process.version} ${process.arch}`;
}

type Checksum = (data: Uint8Array) => number;

/**
 * zlib's CRC-32 (Node 20.15+, 22.2+; the types of Node 20.0 do not know it), loaded when a bundle
 * is run with a cache: the bin answers `--version` without loading zlib.
 */
function zlibCrc32(): Checksum | undefined {
  return (createRequire(import.meta.url)("node:zlib") as { crc32?: Checksum }).crc32;
}

/** Where a bundle's cached code is kept, whom it is for, and how its data is checked. */
interface CachePlace {
  dir: string;
  file: string;
  key: string;
  crc32: Checksum;
}

/** A cache file's first line: whom it is for, and the length and CRC-32 of the data that follows it. */
function headerOf(key: string, data: Uint8Array, checksum: Checksum): string {
  return `${key} ${data.length} ${checksum(data).toString(16).padStart(8, "0")}`;
}

/** The cache file of `bundle` in `dir` for this build and this Node: `<dir>/program.js.3f2a….v20.20.2-x64.v8`. */
export function cacheFileOf(dir: string, bundle: string, identity: string): string {
  return join(dir, `${basename(bundle)}.${identity.slice(0, 16)}.${process.version}-${process.arch}.v8`);
}

/**
 * Runs the CommonJS file `bundle` as `require` would (its own `require`, `module`, `__filename`,
 * `__dirname`), compiled with the cached code when there is good one. When there is none (the
 * first start of a build, another Node), the code V8 has compiled by the time the process exits
 * is written for the next start: by then it holds every function the run used, not just the
 * top level (or, in a start that changes V8's flags, what it holds just before they change).
 */
export function runBundle(bundle: string, cache: BundleCache): CacheUse {
  const source = readFileSync(bundle, "utf8");
  const key = cacheKey(cache.identity);
  const crc32 = cache.dir === null ? undefined : zlibCrc32();
  const place: CachePlace | null =
    cache.dir === null || crc32 === undefined
      ? null
      : { dir: cache.dir, file: cacheFileOf(cache.dir, bundle, cache.identity), key, crc32 };
  const cachedData = place === null ? undefined : readCachedCode(place);
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  const use: CacheUse =
    place === null
      ? "none"
      : cachedData !== undefined && !script.cachedDataRejected
        ? "used"
        : "written-at-exit";
  if (use === "written-at-exit" && place !== null) {
    // At exit the code holds every function the run compiled; before a change of V8's flags, what
    // it has by then, under the flags every start begins with (platform/v8-flags.ts).
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      writeCachedCode(place, script, basename(bundle));
    };
    process.once("exit", write);
    beforeV8FlagsChange(write);
  }
  const module = new Module(bundle);
  module.filename = bundle;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return use;
}

/** The code cached in the place's file for its key, or undefined when there is none we may trust. */
function readCachedCode({ file, key, crc32 }: CachePlace): Buffer | undefined {
  let fd: number;
  try {
    if (!privateDirectory(dirname(file))) return undefined;
    // Not through a symbolic link, and without waiting on a FIFO put in the file's place.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || !ownedAndPrivate(stats)) return undefined;
    const contents = readFileSync(fd);
    const end = contents.indexOf(0x0a);
    if (end === -1) return undefined;
    const data = contents.subarray(end + 1);
    return contents.toString("latin1", 0, end) === headerOf(key, data, crc32) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A directory of ours no one else can write. */
function privateDirectory(dir: string): boolean {
  const stats = statSync(dir);
  return stats.isDirectory() && ownedAndPrivate(stats);
}

/** Ours, and writable by no one else: what another user could write, we would run. */
function ownedAndPrivate(stats: { uid: number; mode: number }): boolean {
  return (process.getuid === undefined || stats.uid === process.getuid()) && (stats.mode & 0o022) === 0;
}

/**
 * Writes the code compiled so far, whole or not at all (a temporary file renamed over the old
 * one), and removes the oldest files of the same bundle beyond {@link FILES_KEPT}. Only into a
 * directory we would read from: in one others can write, a link planted in the temporary file's
 * place would have us overwrite what it points to.
 */
function writeCachedCode({ dir, file, key, crc32 }: CachePlace, script: Script, bundleName: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateDirectory(dir)) return;
    const data = script.createCachedData();
    // "wx": a new file, never one (or a link) already there.
    writeFileSync(temp, Buffer.concat([Buffer.from(`${headerOf(key, data, crc32)}\n`, "latin1"), data]), {
      mode: 0o600,
      flag: "wx",
    });
    renameSync(temp, file);
    const others = readdirSync(dir)
      .filter((name) => name.startsWith(`${bundleName}.`) && name.endsWith(".v8"))
      .map((name) => join(dir, name))
      .filter((path) => path !== file)
      .map((path) => ({ path, mtimeMs: lstatSync(path).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of others.slice(FILES_KEPT - 1)) rmSync(old.path, { force: true });
  } catch {
    // A read-only or full disk: the next start compiles afresh, as this one did. (What is removed
    // is in a directory of ours alone: a stale file of ours, never the target of a link.)
    try {
      rmSync(temp, { force: true });
    } catch {}
  }
}

import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { chmod, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that a reader sees either the old or the new content, never a part: a
 * temporary file beside it (created exclusively, with `mode`), then a rename over the target.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const temp = tempPath(path);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(content);
    // The umask can only narrow `mode`; set it exactly.
    await chmod(temp, mode);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

let tempFiles = 0;

/**
 * A name beside `path` no other writer uses at the same time: this process's id and a count, and
 * a random part for a pid reused after a crash. It need not be unguessable — the file is created
 * exclusively ("wx": never through a link or over a file already there) — so no node:crypto,
 * which would cost the light `statusline` start ~5 ms to load.
 */
function tempPath(path: string): string {
  const unique = `${process.pid}.${(tempFiles++).toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  return join(dirname(path), `.${basename(path)}.${unique}`);
}

/**
 * {@link writeFileAtomic} for the places that must not wait: small state files, and the run's
 * files written before Claude starts. A failed write (a full disk) leaves neither a partial file
 * nor its temporary file behind.
 */
export function writeFileAtomicSync(path: string, content: string, mode = 0o600): void {
  const temp = tempPath(path);
  try {
    writeFileSync(temp, content, { mode, flag: "wx" });
    // The umask can only narrow `mode`; set it exactly.
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** `<path>.<why>-<UTC time>`, e.g. `usage.db.corrupt-20261124T120000Z`: where a damaged file is moved aside. */
export function asidePath(path: string, why: string, nowMs: number): string {
  return `${path}.${why}-${new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}`;
}

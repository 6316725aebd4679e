import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
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

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
}

/**
 * {@link writeFileAtomic} for the few places that must not wait (small state files). A failed
 * write (a full disk) leaves neither a partial file nor its temporary file behind.
 */
export function writeFileAtomicSync(path: string, content: string, mode = 0o600): void {
  const temp = tempPath(path);
  try {
    writeFileSync(temp, content, { mode, flag: "wx" });
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

import { randomBytes } from "node:crypto";
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
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
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
